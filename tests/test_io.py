"""zenax.io: safetensors checkpoints of pytrees.

Expected values never come from zenax: round trips compare the raw bytes of the arrays
we saved (built with JAX and NumPy), tensor names and values are read back with the
safetensors library itself, optimizer states come from optax, and malformed files are
made by hand.
"""
import ast
import doctest
import errno
import json
import os
import pathlib
import signal
import struct
import subprocess
import sys
import textwrap
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import safetensors
import safetensors.numpy

import zenax
import zenax.models.io as io_module
from zenax import io


def assert_bits_equal(actual, expected):
    """``actual`` is a jax.Array with ``expected``'s shape, dtype and exact bytes."""
    assert isinstance(actual, jax.Array), type(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype, \
        (actual.shape, actual.dtype, expected.shape, expected.dtype)
    assert np.asarray(actual).tobytes() == expected.tobytes()


def random_bits(dtype, shape, seed=0):
    """An array of ``dtype`` whose bytes are random (NaNs with payloads, -0.0, inf, ...)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return np.random.default_rng(seed).random(shape) > 0.5
    raw = np.random.default_rng(seed).integers(0, 256, int(np.prod(shape)) * dtype.itemsize,
                                               dtype=np.uint8)
    return raw.view(dtype).reshape(shape)


def files_in(directory):
    return sorted(os.listdir(directory))


# ## Round trips

@pytest.mark.parametrize("dtype", [np.float32, jnp.bfloat16, np.float16, np.int32, np.uint8,
                                   np.int8, np.int16, np.uint16, np.uint32, np.bool_,
                                   np.complex64])
def test_round_trip_is_bit_exact(tmp_path, dtype):
    x = jnp.asarray(random_bits(dtype, (4, 33)))
    path = tmp_path / "x.safetensors"
    io.save(path, {"x": x, "scalar": x[0, 0]})
    out = io.load(path)
    assert_bits_equal(out["x"], x)
    assert_bits_equal(out["scalar"], x[0, 0])
    like = io.load(path, like={"x": jnp.zeros_like(x), "scalar": jnp.zeros((), x.dtype)})
    assert_bits_equal(like["x"], x)


def test_special_float_values_round_trip(tmp_path):
    bits = {np.float32: [0x7FC00001, 0xFFC12345, 0x80000000, 0x7F800000, 0x00000001],
            np.float16: [0x7E01, 0xFC00, 0x8000, 0x0001, 0x7BFF],
            jnp.bfloat16: [0x7FC1, 0xFF81, 0x8000, 0x0001, 0x7F7F]}
    tree = {np.dtype(dt).name: jnp.asarray(
        np.array(b, dtype=np.uint32 if np.dtype(dt).itemsize == 4 else np.uint16).view(dt))
        for dt, b in bits.items()}
    io.save(tmp_path / "special.safetensors", tree)
    out = io.load(tmp_path / "special.safetensors")
    for name, x in tree.items():
        assert_bits_equal(out[name], x)


def test_64_bit_round_trip(tmp_path, x64):
    tree = {"f64": jnp.asarray(random_bits(np.float64, (3, 5))),
            "i64": jnp.asarray(random_bits(np.int64, (7,))),
            "u64": random_bits(np.uint64, (2, 2)),  # a numpy leaf
            "py_float": 0.1}
    io.save(tmp_path / "x64.safetensors", tree)
    out = io.load(tmp_path / "x64.safetensors")
    for name in ("f64", "i64", "u64"):
        assert_bits_equal(out[name], tree[name])
    assert_bits_equal(out["py_float"], np.float64(0.1))


def test_numpy_leaves_and_python_scalars(tmp_path):
    tree = {"np": np.arange(6, dtype=np.int16).reshape(2, 3).T,  # not C-contiguous
            "np_scalar": np.float16(1.5), "float": 0.1, "int": 7, "bool": True}
    io.save(tmp_path / "t.safetensors", tree)
    out = io.load(tmp_path / "t.safetensors")
    assert_bits_equal(out["np"], tree["np"])
    assert_bits_equal(out["np_scalar"], tree["np_scalar"])
    # Python scalars take JAX's default dtypes, as jnp.asarray gives them.
    for name in ("float", "int", "bool"):
        assert_bits_equal(out[name], jnp.asarray(tree[name]))


class Params(NamedTuple):
    w: jax.Array
    b: jax.Array


NESTED = {
    "layers": [Params(jnp.arange(6.0).reshape(2, 3), jnp.ones(3)),
               Params(jnp.full((3, 1), 2.0), None)],
    "embed": (jnp.arange(4, dtype=jnp.int32), {"scale": jnp.float32(0.5), "unused": None}),
    "empty": {}, "nothing": None,
}


def test_nested_round_trip_with_template_restores_every_node_type(tmp_path):
    path = tmp_path / "nested.safetensors"
    io.save(path, NESTED)
    out = io.load(path, like=NESTED)
    assert jax.tree_util.tree_structure(out) == jax.tree_util.tree_structure(NESTED)
    assert type(out["layers"][0]) is Params and out["layers"][1].b is None
    for a, e in zip(jax.tree_util.tree_leaves(out), jax.tree_util.tree_leaves(NESTED)):
        assert_bits_equal(a, e)


def test_nested_round_trip_without_template_rebuilds_containers(tmp_path):
    path = tmp_path / "nested.safetensors"
    io.save(path, NESTED)
    out = io.load(path)
    # Namedtuples come back as dicts of their fields; dicts, lists, tuples and None as is.
    expected = {
        "layers": [{"w": NESTED["layers"][0].w, "b": NESTED["layers"][0].b},
                   {"w": NESTED["layers"][1].w, "b": None}],
        "embed": (NESTED["embed"][0], {"scale": NESTED["embed"][1]["scale"], "unused": None}),
        "empty": {}, "nothing": None,
    }
    assert jax.tree_util.tree_structure(out) == jax.tree_util.tree_structure(expected)
    for a, e in zip(jax.tree_util.tree_leaves(out), jax.tree_util.tree_leaves(expected)):
        assert_bits_equal(a, e)


def test_single_array_and_int_dict_keys(tmp_path):
    io.save(tmp_path / "one.safetensors", jnp.arange(3.0))
    assert list(safetensors.numpy.load_file(tmp_path / "one.safetensors")) == [""]
    assert_bits_equal(io.load(tmp_path / "one.safetensors"), jnp.arange(3.0))
    tree = {0: jnp.ones(1), 1: {"a": jnp.zeros(2)}}
    io.save(tmp_path / "int_keys.safetensors", tree)
    assert sorted(safetensors.numpy.load_file(tmp_path / "int_keys.safetensors")) == \
        ["[0]", "[1].a"]
    out = io.load(tmp_path / "int_keys.safetensors")
    assert sorted(out) == [0, 1]
    assert_bits_equal(out[1]["a"], tree[1]["a"])


def test_template_of_shape_dtype_structs(tmp_path):
    tree = {"w": jnp.ones((2, 3), jnp.bfloat16), "step": jnp.int32(4)}
    io.save(tmp_path / "t.safetensors", tree)
    like = jax.tree_util.tree_map(lambda x: zenax.ShapeDtypeStruct(x.shape, x.dtype), tree)
    out = io.load(tmp_path / "t.safetensors", like=like)
    assert_bits_equal(out["w"], tree["w"])
    assert_bits_equal(out["step"], tree["step"])


# ## Optimizer states (optax is the oracle)

@jax.jit
def _adam_step(params, opt_state):
    grads = jax.tree_util.tree_map(lambda p: 2.0 * p + 1.0, params)
    updates, opt_state = optax.adam(1e-1).update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state


def _adam_steps(params, opt_state, n):
    for _ in range(n):
        params, opt_state = _adam_step(params, opt_state)
    return params, opt_state


def test_optax_state_round_trip_and_training_resumes(tmp_path):
    params = {"w": jnp.arange(6.0).reshape(2, 3), "b": [jnp.ones(3, jnp.bfloat16)]}
    opt_state = optax.adam(1e-1).init(params)
    params, opt_state = _adam_steps(params, opt_state, 3)
    io.save_checkpoint(tmp_path, 3, params, opt_state)

    fresh = optax.adam(1e-1).init(params)  # the template: same structure, other values
    step, params_r, opt_state_r = io.restore_checkpoint(tmp_path, like=(params, fresh))
    assert step == 3
    assert type(opt_state_r[0]) is type(opt_state[0])  # ScaleByAdamState, a NamedTuple
    assert jax.tree_util.tree_structure(opt_state_r) == jax.tree_util.tree_structure(opt_state)
    for a, e in zip(jax.tree_util.tree_leaves((params_r, opt_state_r)),
                    jax.tree_util.tree_leaves((params, opt_state))):
        assert_bits_equal(a, e)
    # Resuming from the checkpoint continues exactly where the uninterrupted run goes.
    expected = _adam_steps(params, opt_state, 2)
    resumed = _adam_steps(params_r, opt_state_r, 2)
    for a, e in zip(jax.tree_util.tree_leaves(resumed), jax.tree_util.tree_leaves(expected)):
        assert_bits_equal(a, e)


class AdamLike(NamedTuple):
    count: jax.Array
    mu: dict
    nu: dict


def test_namedtuple_optimizer_state_names_and_round_trip(tmp_path):
    params = {"dense": {"kernel": jnp.ones((2, 2)), "bias": jnp.zeros(2)}}
    state = AdamLike(jnp.int32(5), jax.tree_util.tree_map(lambda p: p + 1, params),
                     jax.tree_util.tree_map(lambda p: p * 3, params))
    path = io.save_checkpoint(tmp_path, 0, params, opt_state=(state, None))
    assert sorted(safetensors.numpy.load_file(path)) == [
        "opt_state[0].count", "opt_state[0].mu.dense.bias", "opt_state[0].mu.dense.kernel",
        "opt_state[0].nu.dense.bias", "opt_state[0].nu.dense.kernel",
        "params.dense.bias", "params.dense.kernel"]
    restored = io.restore_checkpoint(tmp_path, like=(params, (state, None)))
    assert type(restored.opt_state[0]) is AdamLike and restored.opt_state[1] is None
    assert_bits_equal(restored.opt_state[0].nu["dense"]["kernel"], state.nu["dense"]["kernel"])


# ## Names and interoperability

def test_file_is_readable_by_safetensors_with_documented_names(tmp_path):
    tree = {"params": {"layers": [{"w": jnp.ones((2, 3)), "b": jnp.zeros(3)}],
                       "head": Params(jnp.full((3, 4), 2.0, jnp.bfloat16), jnp.zeros(4))},
            "step": jnp.int32(10)}
    path = tmp_path / "model.safetensors"
    io.save(path, tree, metadata={"framework": "zenax", "epoch": "2"})
    read = safetensors.numpy.load_file(path)
    expected = {"params.layers[0].w": tree["params"]["layers"][0]["w"],
                "params.layers[0].b": tree["params"]["layers"][0]["b"],
                "params.head.w": tree["params"]["head"].w,
                "params.head.b": tree["params"]["head"].b,
                "step": tree["step"]}
    assert sorted(read) == sorted(expected)
    for name, x in expected.items():
        assert read[name].dtype == x.dtype and read[name].tobytes() == np.asarray(x).tobytes()
    with safetensors.safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
    assert metadata["framework"] == "zenax" and metadata["epoch"] == "2"
    assert io.load_metadata(path) == {"framework": "zenax", "epoch": "2"}


def test_reads_files_written_by_other_tools(tmp_path):
    """A Hugging Face-style file: dotted names, no zenax tree description."""
    tensors = {"h.0.attn.c_attn.weight": random_bits(np.float32, (4, 12)),
               "h.0.attn.c_attn.bias": random_bits(np.float32, (12,), seed=1),
               "h.1.ln_1.weight": random_bits(np.float16, (4,), seed=2),
               "wte.weight": random_bits(np.float32, (10, 4), seed=3)}
    path = tmp_path / "model.safetensors"
    safetensors.numpy.save_file(tensors, path)
    flat = io.load_safetensors_dict(path)
    assert sorted(flat) == sorted(tensors)
    for name, x in tensors.items():
        assert_bits_equal(flat[name], x)
    nested = io.load(path)
    assert_bits_equal(nested["h"]["0"]["attn"]["c_attn"]["bias"], tensors["h.0.attn.c_attn.bias"])
    assert_bits_equal(nested["wte"]["weight"], tensors["wte.weight"])
    assert io.load_metadata(path) == {}


def test_foreign_names_that_do_not_nest_point_to_the_flat_reader(tmp_path):
    path = tmp_path / "clash.safetensors"
    safetensors.numpy.save_file({"a": np.ones(1, np.float32), "a.b": np.ones(1, np.float32)}, path)
    with pytest.raises(ValueError, match="load_safetensors_dict"):
        io.load(path)
    assert sorted(io.load_safetensors_dict(path)) == ["a", "a.b"]


# ## Template mismatches

def test_template_mismatch_names_every_problem(tmp_path):
    path = tmp_path / "p.safetensors"
    io.save(path, {"w": jnp.ones((2, 3)), "b": jnp.zeros(3), "extra": jnp.zeros(1)})
    like = {"w": jnp.ones((3, 2)), "b": jnp.zeros(3, jnp.int32), "missing": jnp.zeros(4)}
    with pytest.raises(ValueError) as info:
        io.load(path, like=like)
    message = str(info.value)
    assert message.startswith("zenax.io.load:") and str(path) in message
    assert "'missing': missing from the file (the template has f32[4])" in message
    assert "'extra': in the file (f32[1]) but not in the template" in message
    assert "'w': shape mismatch: the template has f32[3,2], the file has f32[2,3]" in message
    assert "'b': dtype mismatch: the template has i32[3], the file has f32[3]" in message


def test_template_structure_mismatch_shows_nested_key_paths(tmp_path):
    path = tmp_path / "p.safetensors"
    io.save(path, {"layers": [Params(jnp.ones(2), jnp.ones(2))]})
    with pytest.raises(ValueError, match=r"'layers\[1\]\.w': missing from the file"):
        io.load(path, like={"layers": [Params(jnp.ones(2), jnp.ones(2))] * 2})
    with pytest.raises(ValueError, match=r"'layers\[0\]\.b': in the file \(f32\[2\]\) but not"):
        io.load(path, like={"layers": [Params(jnp.ones(2), None)]})


def test_64_bit_file_against_32_bit_template(tmp_path, x64):
    path = tmp_path / "p.safetensors"
    io.save(path, {"w": jnp.ones(2, jnp.float64)})
    with pytest.raises(ValueError, match="the template has f32\\[2\\], the file has f64\\[2\\]"):
        io.load(path, like={"w": np.zeros(2, np.float32)})


def test_bad_template_leaf(tmp_path):
    io.save(tmp_path / "p.safetensors", {"w": jnp.ones(2)})
    with pytest.raises(TypeError, match=r"template leaf like\['w'\] is a str"):
        io.load(tmp_path / "p.safetensors", like={"w": "f32[2]"})


# ## Bad trees and arguments at save

def test_save_errors_name_the_leaf_and_the_fix(tmp_path):
    path = tmp_path / "p.safetensors"
    with pytest.raises(ValueError, match=r"'a\.b': tree\['a'\]\['b'\] and tree\['a\.b'\]"):
        io.save(path, {"a.b": jnp.ones(1), "a": {"b": jnp.ones(1)}})
    with pytest.raises(TypeError, match=r"dict key \(1, 2\) in tree\['x'\] is a tuple"):
        io.save(path, {"x": {(1, 2): jnp.ones(1)}})
    with pytest.raises(TypeError, match=r"leaf tree\['name'\] is a str; expected an array"):
        io.save(path, {"name": "gpt2"})
    with pytest.raises(TypeError, match=r"tree\[0\] has dtype complex128.*supported dtypes"):
        io.save(path, [np.ones(2, np.complex128)])
    with pytest.raises(TypeError, match="metadata must be a dict of str to str"):
        io.save(path, [jnp.ones(1)], metadata={"epoch": 3})
    with pytest.raises(ValueError, match="'zenax.tree' is reserved"):
        io.save(path, [jnp.ones(1)], metadata={"zenax.tree": "{}"})
    with pytest.raises(ValueError, match="is a directory; pass a file path"):
        io.save(tmp_path, [jnp.ones(1)])
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        io.save(tmp_path / "no" / "such" / "dir.safetensors", [jnp.ones(1)])
    assert files_in(tmp_path) == []


def test_save_inside_a_transform_is_a_clear_error(tmp_path):
    def f(x):
        io.save(tmp_path / "p.safetensors", {"x": x})
        return x
    with pytest.raises(TypeError, match=r"leaf tree\['x'\] is a traced value \(f32\[2\]\)"):
        zenax.jit(f)(jnp.ones(2))


# ## Atomic writes

def _write_half_then(exception):
    """A stand-in for safetensors.numpy.save_file that writes half a file, then raises."""
    real_save = safetensors.numpy.save

    def save_file(tensors, filename, metadata=None):
        data = real_save(tensors, metadata=metadata)
        with open(filename, "wb") as f:
            f.write(data[: len(data) // 2])
        raise exception
    return save_file


@pytest.mark.parametrize("exception", [OSError(28, "No space left on device"),
                                       KeyboardInterrupt()])
def test_failed_save_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch, exception):
    path = tmp_path / "params.safetensors"
    old = {"w": jnp.arange(1000.0)}
    io.save(path, old)
    before = path.read_bytes()
    monkeypatch.setattr(safetensors.numpy, "save_file", _write_half_then(exception))
    with pytest.raises(type(exception)):
        io.save(path, {"w": jnp.zeros(1000)})
    assert files_in(tmp_path) == ["params.safetensors"]
    assert path.read_bytes() == before
    assert_bits_equal(io.load(path)["w"], old["w"])


KILLED_SAVE = textwrap.dedent("""
    import os, signal, sys
    import safetensors.numpy
    import numpy as np
    from zenax import io

    real_save = safetensors.numpy.save

    def save_file(tensors, filename, metadata=None):
        data = real_save(tensors, metadata=metadata)
        with open(filename, "wb") as f:
            f.write(data[: len(data) // 2])
            f.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    safetensors.numpy.save_file = save_file
    io.save_checkpoint(sys.argv[1], 2, {"w": np.full(1000, 2.0, np.float32)})
""")


def test_killed_save_keeps_the_previous_checkpoint(tmp_path):
    io.save_checkpoint(tmp_path, 1, {"w": np.full(1000, 1.0, np.float32)})
    before = (tmp_path / "checkpoint_1.safetensors").read_bytes()
    result = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == -signal.SIGKILL, result.stderr
    # A killed process cannot clean up: its half-written temp file is hidden, never a
    # checkpoint, rejected if opened directly...
    leftovers = [n for n in files_in(tmp_path) if n.startswith(".checkpoint_2.safetensors.")]
    assert len(leftovers) == 1, files_in(tmp_path)
    with pytest.raises(ValueError, match="not a valid safetensors file"):
        io.load(tmp_path / leftovers[0])
    assert (tmp_path / "checkpoint_1.safetensors").read_bytes() == before
    assert io.latest_checkpoint(tmp_path) == str(tmp_path / "checkpoint_1.safetensors")
    restored = io.restore_checkpoint(tmp_path, like=({"w": np.zeros(1000, np.float32)}, None))
    assert restored.step == 1
    assert_bits_equal(restored.params["w"], np.full(1000, 1.0, np.float32))
    # ... and the next load (or save) in that folder removes it, its writer being gone.
    assert files_in(tmp_path) == ["checkpoint_1.safetensors"]


def test_stale_temporaries_of_live_or_other_writers_are_kept(tmp_path):
    from zenax.models.io import _temporary_name
    host = _temporary_name(str(tmp_path / "x")).rsplit(".", 3)[1].rsplit("-", 1)[0]
    mine = tmp_path / f".a.safetensors.{host}-{os.getpid()}.0123456789ab.tmp"
    other_host = tmp_path / ".a.safetensors.otherhost-1.0123456789ab.tmp"
    for p in (mine, other_host):
        p.write_bytes(b"partial")
    io.save(tmp_path / "a.safetensors", {"w": np.zeros(3, np.float32)})
    assert mine.exists() and other_host.exists()


def test_disk_full_is_an_os_error_naming_the_path(tmp_path, monkeypatch):
    path = tmp_path / "params.safetensors"
    io.save(path, {"w": jnp.arange(10.0)})
    before = path.read_bytes()

    def full_disk(tensors, filename, metadata=None):
        raise safetensors.SafetensorError(
            "Error while serializing: IoError(Os { code: 28, kind: StorageFull, message: "
            '"No space left on device" })')
    monkeypatch.setattr(safetensors.numpy, "save_file", full_disk)
    with pytest.raises(OSError, match="could not write .*params.safetensors") as info:
        io.save(path, {"w": jnp.zeros(10)})
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == before and files_in(tmp_path) == ["params.safetensors"]


# ## Malformed files

def _safetensors_bytes(header: dict, data: bytes) -> bytes:
    """A file in the safetensors layout: 8-byte little-endian header size, JSON, data."""
    header_bytes = json.dumps(header).encode()
    return struct.pack("<Q", len(header_bytes)) + header_bytes + data


def _valid_file_bytes(tmp_path):
    io.save(tmp_path / "good.safetensors", {"w": jnp.arange(64.0)})
    return (tmp_path / "good.safetensors").read_bytes()


@pytest.mark.parametrize("kind", ["garbage", "empty", "truncated", "truncated_header",
                                  "bad_json", "bad_offsets"])
def test_malformed_files_raise_a_clear_value_error(tmp_path, kind):
    good = _valid_file_bytes(tmp_path)
    content = {
        "garbage": b"this is a text file, not a checkpoint\n" * 4,
        "empty": b"",
        "truncated": good[:-100],
        "truncated_header": good[:20],
        "bad_json": struct.pack("<Q", 19) + b'{"w": {"dtype": "F3',
        "bad_offsets": _safetensors_bytes(
            {"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}}, bytes(8)),
    }[kind]
    path = tmp_path / f"{kind}.safetensors"
    path.write_bytes(content)
    for reader in (io.load, io.load_safetensors_dict, io.load_metadata):
        with pytest.raises(ValueError) as info:
            reader(path)
        message = str(info.value)
        assert message.startswith(f"zenax.io.{reader.__name__}: {str(path)!r} is not a valid "
                                   "safetensors file"), message
        assert info.value.__suppress_context__  # no chained traceback from the library
        if kind == "bad_json":
            assert "invalid JSON in header" in message


def test_missing_path_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"zenax.io.load: no such file: .*nope"):
        io.load(tmp_path / "nope.safetensors")
    with pytest.raises(ValueError, match="is a directory, expected a .safetensors file"):
        io.load(tmp_path)


@pytest.mark.parametrize("description, problem", [
    ("{not json", "Expecting property name"),
    ('{"list": ["w", "w"]}', "'w' is missing or used twice"),
    ('{"list": ["v"]}', "'v' is missing or used twice"),
    ('{"set": ["w"]}', 'unexpected entry {"set": ["w"]}'),
    ('{"dict": [["a", "w", 3]]}', "unexpected entry"),
    ('{"dict": []}', "tensors ['w'] are not in it"),
    ("[" * 100_000 + "]" * 100_000, "malformed"),
])
def test_malformed_tree_description(tmp_path, description, problem):
    path = tmp_path / "edited.safetensors"
    safetensors.numpy.save_file({"w": np.ones(2, np.float32)}, path,
                                metadata={"zenax.tree": description})
    with pytest.raises(ValueError) as info:
        io.load(path)
    assert "tree description ('zenax.tree' in __metadata__)" in str(info.value)
    assert problem in str(info.value)
    # The tensors themselves are still readable, and a template bypasses the description.
    assert_bits_equal(io.load_safetensors_dict(path)["w"], np.ones(2, np.float32))
    assert_bits_equal(io.load(path, like={"w": jnp.zeros(2)})["w"], np.ones(2, np.float32))


def test_unsupported_dtype_in_a_foreign_file(tmp_path):
    path = tmp_path / "f8.safetensors"
    path.write_bytes(_safetensors_bytes(
        {"x": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}, bytes(2)))
    with pytest.raises(ValueError, match="'x' in .* has safetensors dtype F8_E4M3, which "
                                         "zenax.io cannot read"):
        io.load_safetensors_dict(path)


# ## Checkpoint directories

def test_checkpoints_keep_the_latest_steps(tmp_path):
    assert io.latest_checkpoint(tmp_path / "new") is None
    for step in (0, 10, 20, 30):
        path = io.save_checkpoint(tmp_path / "new", step, {"w": jnp.full(2, float(step))}, keep=2)
        assert path == str(tmp_path / "new" / f"checkpoint_{step}.safetensors")
    assert files_in(tmp_path / "new") == ["checkpoint_20.safetensors", "checkpoint_30.safetensors"]
    assert io.latest_checkpoint(tmp_path / "new") == path
    like = ({"w": jnp.zeros(2)}, None)
    latest = io.restore_checkpoint(tmp_path / "new", like=like)
    assert latest.step == 30 and latest.opt_state is None
    assert_bits_equal(latest.params["w"], jnp.full(2, 30.0))
    assert_bits_equal(io.restore_checkpoint(tmp_path / "new", like, step=20).params["w"],
                      jnp.full(2, 20.0))
    # Saving the same step again overwrites it.
    io.save_checkpoint(tmp_path / "new", 30, {"w": jnp.full(2, -1.0)}, keep=2)
    assert_bits_equal(io.restore_checkpoint(tmp_path / "new", like).params["w"],
                      jnp.full(2, -1.0))


def test_checkpoint_errors(tmp_path):
    io.save_checkpoint(tmp_path, 5, {"w": jnp.ones(2)})
    like = ({"w": jnp.zeros(2)}, None)
    with pytest.raises(FileNotFoundError, match=r"step 4 .*available steps: \[5\]"):
        io.restore_checkpoint(tmp_path, like, step=4)
    with pytest.raises(FileNotFoundError, match="no checkpoint_<step>.safetensors files"):
        io.restore_checkpoint(tmp_path / "empty", like)
    with pytest.raises(TypeError, match=r"like must be the pair \(params_template, "):
        io.restore_checkpoint(tmp_path, like={"w": jnp.zeros(2)})
    with pytest.raises(ValueError, match="step 3 is older than the latest checkpoint \\(step 5\\)"):
        io.save_checkpoint(tmp_path, 3, {"w": jnp.ones(2)})
    with pytest.raises(TypeError, match="step must be a non-negative int; received -1"):
        io.save_checkpoint(tmp_path, -1, {"w": jnp.ones(2)})
    with pytest.raises(ValueError, match="keep must be an int >= 1"):
        io.save_checkpoint(tmp_path, 6, {"w": jnp.ones(2)}, keep=0)
    with pytest.raises(ValueError, match=r"'params\.w': shape mismatch"):
        io.restore_checkpoint(tmp_path, ({"w": jnp.zeros(3)}, None))


# ## The module itself

def test_module_never_unpickles_or_evaluates():
    source = pathlib.Path(io_module.__file__).read_text()
    imported, called = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called.add(node.func.id)
    assert not imported & {"pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve"}
    assert not called & {"eval", "exec", "compile", "__import__"}


def test_docstring_examples():
    assert doctest.testmod(io_module, optionflags=doctest.ELLIPSIS).failed == 0
    assert doctest.testmod(sys.modules["zenax.io"]).failed == 0
