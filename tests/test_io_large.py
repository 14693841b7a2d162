"""zenax.io for big models: lazy (memory-mapped) loading, loading onto a sharding, and
sharded checkpoints (several files plus a Hugging Face style index, saved as a set).

Expected values never come from zenax: shards are read back with the safetensors
library, index files are read as JSON, Hugging Face style sets are written by hand, and
the forward pass is recomputed with JAX on the original NumPy arrays.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import safetensors.numpy

import zenax
import zenax.models.io_mapped as io_mapped
from zenax import io

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

INDEX = "model.safetensors.index.json"


def assert_bits_equal(actual, expected):
    expected = np.asarray(expected)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype, \
        (actual.shape, actual.dtype, expected.shape, expected.dtype)
    assert np.asarray(actual).tobytes() == expected.tobytes()


def tree_of(seed):
    """Four 1 KiB tensors of mixed dtypes (so max_shard_size=1024 gives four shards), plus
    containers and None."""
    rng = np.random.default_rng(seed)
    return {"emb": rng.standard_normal((16, 16)).astype(np.float32),
            "layers": [{"w": rng.integers(0, 2**16, (32, 16)).astype(np.uint16)
                        .view(jnp.bfloat16)},
                       {"w": rng.integers(-128, 128, (32, 32)).astype(np.int8), "b": None}],
            "head": (rng.random(1024) > 0.5,)}


def flat(tree):
    return {"emb": tree["emb"], "layers[0].w": tree["layers"][0]["w"],
            "layers[1].w": tree["layers"][1]["w"], "head[0]": tree["head"][0]}


def shard_files(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith(".safetensors"))


def assert_tree_equal(loaded, tree):
    assert loaded["layers"][1]["b"] is None and isinstance(loaded["head"], tuple)
    for name, expected in flat(tree).items():
        got = {"emb": loaded["emb"], "layers[0].w": loaded["layers"][0]["w"],
               "layers[1].w": loaded["layers"][1]["w"], "head[0]": loaded["head"][0]}[name]
        assert_bits_equal(got, expected)


# ## Sharded checkpoints

def test_sharded_checkpoint_of_four_files_round_trips_exactly(tmp_path):
    tree = tree_of(0)
    io.save(tmp_path, tree, max_shard_size=1024, metadata={"epoch": "3"})
    names = shard_files(tmp_path)
    assert names == [f"model-0000{i}-of-00004.safetensors" for i in range(1, 5)]
    assert sorted(os.listdir(tmp_path)) == sorted(names + [INDEX])
    with open(tmp_path / INDEX) as f:
        index = json.load(f)
    assert index["metadata"]["total_size"] == 4 * 1024
    # Every tensor is where the weight map says, as the safetensors library reads it.
    for name, expected in flat(tree).items():
        assert_bits_equal(safetensors.numpy.load_file(tmp_path / index["weight_map"][name])[name],
                          expected)
    for source in (tmp_path, tmp_path / INDEX):
        loaded = io.load(source)
        assert isinstance(loaded["emb"], jax.Array)
        assert_tree_equal(loaded, tree)
    assert_tree_equal(io.load(tmp_path, lazy=True), tree)
    assert_tree_equal(io.load(tmp_path, like=tree), tree)
    assert io.load_metadata(tmp_path) == {"epoch": "3"}
    assert sorted(io.load_safetensors_dict(tmp_path)) == sorted(flat(tree))
    # Replacing the set: same shard count -> a fresh generation of names, old set removed;
    # the next save gets the plain names back.
    new = tree_of(1)
    io.save(tmp_path / INDEX, new, max_shard_size="1KB")
    assert shard_files(tmp_path) == [f"model.g1-0000{i}-of-00004.safetensors" for i in range(1, 5)]
    assert_tree_equal(io.load(tmp_path), new)
    io.save(tmp_path, tree, max_shard_size="1MiB")     # everything fits one shard
    assert shard_files(tmp_path) == ["model-00001-of-00001.safetensors"]
    assert_tree_equal(io.load(tmp_path), tree)


def test_shard_size_and_path_errors(tmp_path):
    tree = tree_of(0)
    for bad in (0, -5, "12 parsecs", "MB", True, 1.5):
        with pytest.raises(ValueError, match="zenax.io.save: max_shard_size must be"):
            io.save(tmp_path, tree, max_shard_size=bad)
    with pytest.raises(ValueError, match="zenax.io.save: with max_shard_size, path must be"):
        io.save(tmp_path / "x.safetensors", tree, max_shard_size=1024)
    with pytest.raises(ValueError, match="'total_size' is reserved"):
        io.save(tmp_path, tree, max_shard_size=1024, metadata={"total_size": "1"})
    with pytest.raises(TypeError, match="zenax.io.load: lazy must be a bool"):
        io.load(tmp_path, lazy="yes")
    assert os.listdir(tmp_path) == []


def write_hf_set(directory, tensors, files):
    """A Hugging Face style sharded set, written with the safetensors library by hand."""
    weight_map = {}
    for file, names in files.items():
        safetensors.numpy.save_file({n: tensors[n] for n in names}, directory / file,
                                    metadata={"format": "pt"})
        weight_map.update(dict.fromkeys(names, file))
    with open(directory / INDEX, "w") as f:
        json.dump({"metadata": {"total_size": 123}, "weight_map": weight_map}, f)


def test_hugging_face_sharded_directory(tmp_path):
    tensors = {"h.0.w": np.arange(6, dtype=np.float32).reshape(2, 3),
               "h.1.w": np.full((3,), 7, np.int32), "wte.weight": np.eye(2, dtype=np.float16)}
    write_hf_set(tmp_path, tensors, {"model-00001-of-00002.safetensors": ["h.0.w", "h.1.w"],
                                     "model-00002-of-00002.safetensors": ["wte.weight"]})
    for lazy in (False, True):
        flat_loaded = io.load_safetensors_dict(tmp_path, lazy=lazy)
        assert sorted(flat_loaded) == sorted(tensors)
        for name, expected in tensors.items():
            assert isinstance(flat_loaded[name], np.ndarray if lazy else jax.Array)
            assert_bits_equal(flat_loaded[name], expected)
    nested = io.load(tmp_path)
    assert_bits_equal(nested["h"]["1"]["w"], tensors["h.1.w"])
    assert io.load_metadata(tmp_path) == {}
    # A broken set is reported, naming the index and what is wrong.
    with open(tmp_path / INDEX) as f:
        index = json.load(f)
    index["weight_map"]["wte.weight"] = "model-00001-of-00002.safetensors"
    (tmp_path / "bad.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(ValueError, match="zenax.io.load: the index maps 'wte.weight' to"):
        io.load(tmp_path / "bad.safetensors.index.json")
    index["weight_map"]["wte.weight"] = "../elsewhere.safetensors"
    (tmp_path / "bad.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(ValueError, match="not a file name in the index's directory"):
        io.load(tmp_path / "bad.safetensors.index.json")
    os.remove(tmp_path / "model-00002-of-00002.safetensors")
    with pytest.raises(FileNotFoundError, match="refers to 1 missing file"):
        io.load(tmp_path)


def test_failed_sharded_save_keeps_the_previous_set(tmp_path, monkeypatch):
    old = tree_of(0)
    io.save(tmp_path, old, max_shard_size=1024)
    before = sorted(os.listdir(tmp_path))
    real, written = safetensors.numpy.save_file, []

    def fail_on_third(tensors, filename, metadata=None):
        if len(written) == 2:
            raise KeyboardInterrupt
        written.append(filename)
        real(tensors, filename, metadata=metadata)

    monkeypatch.setattr(safetensors.numpy, "save_file", fail_on_third)
    with pytest.raises(KeyboardInterrupt):
        io.save(tmp_path, tree_of(1), max_shard_size=1024)
    assert sorted(os.listdir(tmp_path)) == before       # no temporary or new shard is left
    assert_tree_equal(io.load(tmp_path), old)


_KILLED_SAVE = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    sys.path.insert(0, {tests!r})
    from test_io_large import tree_of
    from zenax import io
    directory, marker = sys.argv[1:]
    real_replace = os.replace
    def replace_then_stall(src, dst):
        real_replace(src, dst)
        if dst.endswith("-00002-of-00004.safetensors"):  # half the new shards are renamed
            open(marker, "w").close()
            time.sleep(60)
    os.replace = replace_then_stall
    io.save(directory, tree_of(1), max_shard_size=1024)
""")


def test_killed_sharded_save_leaves_the_previous_set_loadable(tmp_path):
    directory, marker = tmp_path / "ckpt", tmp_path / "marker"
    directory.mkdir()
    old = tree_of(0)
    io.save(directory, old, max_shard_size=1024)
    old_files = shard_files(directory)
    script = _KILLED_SAVE.format(tests=os.path.dirname(__file__))
    proc = subprocess.Popen([sys.executable, "-c", script, str(directory), str(marker)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the save never stalled"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    left = sorted(os.listdir(directory))
    # Killed between renames: two new shards renamed, two still hidden temporaries; the
    # index names the old set only, so the old checkpoint loads unchanged.
    assert sum(n.startswith(".") and n.endswith(".tmp") for n in left) == 2
    assert shard_files(directory) == sorted(old_files + [
        "model.g1-00001-of-00004.safetensors", "model.g1-00002-of-00004.safetensors"])
    with open(directory / INDEX) as f:
        assert sorted(set(json.load(f)["weight_map"].values())) == old_files
    assert_tree_equal(io.load(directory), old)
    # The next save removes the dead writer's leftovers along with the replaced set.
    new = tree_of(2)
    io.save(directory, new, max_shard_size=1024)
    assert sorted(os.listdir(directory)) == sorted(
        [f"model.g2-0000{i}-of-00004.safetensors" for i in range(1, 5)] + [INDEX])
    assert_tree_equal(io.load(directory), new)


# ## Lazy loading and loading onto a sharding

def test_lazy_leaves_are_views_that_work_everywhere(tmp_path):
    path = tmp_path / "params.safetensors"
    w = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    io.save(path, {"w": w, "step": np.int32(5)})
    lazy = io.load(path, lazy=True)
    leaf = lazy["w"]
    assert type(leaf) is np.ndarray and not leaf.flags.writeable and not leaf.flags.owndata
    assert np.asarray(leaf) is leaf                    # no copy until JAX takes it
    assert_bits_equal(jnp.asarray(leaf), w)
    x = np.ones((2, 3), np.float32)
    f = zenax.jit(lambda w, x: zenax.numpy.tanh(x @ w))
    np.testing.assert_allclose(f(leaf, x), jnp.tanh(x @ w), rtol=1e-6)
    np.testing.assert_allclose(zenax.grad(lambda w: (w * w).sum())(leaf), 2 * w, rtol=1e-6)
    # A plain load copies: rewriting the file in place afterwards changes nothing
    # (JAX's CPU device_put would alias an aligned read-only view of the map).
    eager = io.load(path)
    with open(path, "r+b") as f:
        f.seek(-w.nbytes - 4, os.SEEK_END)
        f.write(np.full(w.size + 1, 9, np.float32).tobytes())
    assert_bits_equal(eager["w"], w)
    assert_bits_equal(io.load(path)["w"], np.full_like(w, 9))
    # The map keeps the bytes it was opened on when a later save replaces the file.
    leaf = io.load(path, lazy=True)["w"]
    io.save(path, {"w": np.zeros_like(w), "step": np.int32(6)})
    assert_bits_equal(leaf, np.full_like(w, 9))
    assert_bits_equal(io.load(path, lazy=True, like={"w": w, "step": 0})["w"], np.zeros_like(w))


def test_sharding_places_leaves_reading_only_each_devices_slice(tmp_path, monkeypatch):
    devices = jax.devices()
    mesh = jax.sharding.Mesh(np.array(devices), ("x",))
    by_rows = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("x"))
    replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
    n = len(devices)
    tree = {"w": np.arange(n * 6, dtype=np.float32).reshape(n * 2, 3),
            "ids": np.arange(n, dtype=np.int64), "bias": np.ones(n, np.float32)}
    io.save(tmp_path / "p.safetensors", tree)
    sizes = []
    real = jax.make_array_from_callback

    def spy(shape, sharding, callback):
        return real(shape, sharding, lambda index: sizes.append(callback(index).size) or
                    callback(index))

    monkeypatch.setattr(io_mapped.jax, "make_array_from_callback", spy)
    out = io.load(tmp_path / "p.safetensors", sharding=by_rows, lazy=True)
    for name, expected in tree.items():
        assert out[name].sharding == by_rows
        # Without x64, int64 arrives as int32, as jax.device_put would give.
        np.testing.assert_array_equal(out[name], expected)
        assert out[name].dtype == jax.dtypes.canonicalize_dtype(expected.dtype)
    assert sorted(set(sizes)) == [1, 6]                # a slice per device, never a whole leaf
    mixed = io.load(tmp_path / "p.safetensors",
                    sharding={"w": by_rows, "ids": None, "bias": replicated})
    assert mixed["w"].sharding == by_rows and mixed["bias"].sharding == replicated
    assert type(mixed["ids"]) is np.ndarray            # None: left as the lazy view
    with pytest.raises(TypeError, match="zenax.io.load: sharding must be a jax.sharding"):
        io.load(tmp_path / "p.safetensors", sharding={"w": "x", "ids": None, "bias": None})
    with pytest.raises(ValueError, match="zenax.io.load: the sharding tree does not match"):
        io.load(tmp_path / "p.safetensors", sharding={"w": by_rows})


_PEAK_RSS = textwrap.dedent("""
    import json, sys
    import numpy as np
    import zenax, zenax.numpy as jnp
    from zenax import io

    def peak():  # this process's peak RSS in bytes
        # VmHWM rather than getrusage's ru_maxrss: Linux keeps ru_maxrss across exec, so
        # it would start at the peak of the pytest process that forked us.
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))

    layer = zenax.jit(lambda w, b, x: jnp.tanh(x @ w + b))
    x = np.ones((4, 256), np.float32)
    layer(np.zeros((256, 256), np.float32), np.zeros(256, np.float32), x).block_until_ready()
    base = peak()
    params = io.load(sys.argv[1], lazy=True)
    y = layer(params["small"]["w"], params["small"]["b"], x)
    y.block_until_ready()
    lazy = peak()
    full = io.load(sys.argv[1])
    eager = peak()
    print(json.dumps({"base": base, "lazy": lazy, "eager": eager, "y": np.asarray(y).tolist()}))
""")


def write_big_checkpoint(path, small, n_big, big_shape):
    """A safetensors file (written by hand) holding ``small``'s tensors and ``n_big``
    zero float32 tensors of ``big_shape`` named ``blocks.<i>``; the zeros are a hole in a
    sparse file, so writing it costs no time or memory."""
    header, offset = {}, 0
    entries = [(f"small.{k}", v.shape, v.nbytes) for k, v in small.items()]
    entries += [(f"blocks.{i}", big_shape, 4 * int(np.prod(big_shape))) for i in range(n_big)]
    for name, shape, nbytes in entries:
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(len(raw).to_bytes(8, "little") + raw)
        for v in small.values():
            f.write(v.tobytes())
        f.truncate(8 + len(raw) + offset)


def test_lazy_load_runs_a_layer_with_peak_rss_below_half_the_checkpoint(tmp_path):
    path = tmp_path / "big.safetensors"
    rng = np.random.default_rng(0)
    small = {"w": rng.standard_normal((256, 256)).astype(np.float32) / 16,
             "b": rng.standard_normal(256).astype(np.float32)}
    write_big_checkpoint(path, small, 4, (3200, 4096))     # 4 x 52 MB
    size = os.path.getsize(path)
    assert size > 200e6
    result = subprocess.run([sys.executable, "-c", _PEAK_RSS, str(path)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    r = json.loads(result.stdout.strip().splitlines()[-1])
    # The peak RSS the lazy load and forward pass add (above the interpreter, JAX and the
    # compiled layer) stays below half the file; a full load adds about the whole file,
    # which shows the measurement sees what a load reads.
    assert r["lazy"] - r["base"] < size / 2, (r, size)
    assert r["eager"] - r["base"] > 0.9 * size, (r, size)
    expected = jnp.tanh(jnp.ones((4, 256)) @ small["w"] + small["b"])
    np.testing.assert_allclose(r["y"], expected, rtol=1e-5, atol=1e-5)
