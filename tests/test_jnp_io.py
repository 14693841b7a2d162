"""Creation from functions and data, NumPy files, DLPack, printing and einsum_path,
against jax.numpy (and NumPy, whose file format and printer both use): values, dtypes and
weak types, bfloat16 through ``.npy``, that saving to a path never leaves a half-written
file, that ``load`` does not unpickle, the print options, and JAX's errors."""
from __future__ import annotations

import doctest
import importlib
import io
import os

import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.lax.jnp import io as io_module
from zenax.lax.jnp import printing

# (zenax.lax.jnp.einsum, the attribute, is the function: the module is by its path)
einsum_module = importlib.import_module("zenax.lax.jnp.einsum")

from oracle import assert_same

X = np.arange(6, dtype=np.float32).reshape(2, 3) / 3


def _both(fun):
    assert_same(fun(znp), fun(jnp))


def _same_error(fun, kind, match):
    with pytest.raises(kind):
        fun(jnp)
    with pytest.raises(kind, match=match):
        fun(znp)


# ## fromfunction, frombuffer, fromstring, fromiter, fromfile

def test_fromfunction_matches_jax():
    _both(lambda m: m.fromfunction(m.multiply, shape=(3, 6), dtype=int))
    _both(lambda m: m.fromfunction(lambda i, j: i - 2.0 * j, (2, 3)))
    _both(lambda m: m.fromfunction(lambda x: (x + 1) * m.arange(3), (2,)))
    _both(lambda m: m.fromfunction(lambda i, j, k: i * 100 + j * 10 + k, (2, 3, 1),
                                   dtype=np.int32))
    _both(lambda m: m.fromfunction(lambda i, j: (i + j, i * j), (3, 2)))
    _both(lambda m: m.fromfunction(lambda x: x, 4))


def test_fromfunction_sees_scalars_and_passes_keywords_unmapped():
    seen = []
    znp.fromfunction(lambda i, j: seen.append((i.shape, j.shape)) or i, (2, 3))
    assert seen == [((), ())]
    # JAX's documentation says keyword arguments are passed as they are; its vmap maps
    # them instead (and fails on scalars).  zenax passes them as documented.
    assert_same(znp.fromfunction(lambda i, j, scale: (i + j) * scale, (2, 2), scale=10),
                jnp.array([[0, 10], [10, 20]], jnp.float32))


def test_fromfunction_under_jit():
    f = zenax.jit(lambda s: znp.fromfunction(lambda i, j: (i + j) * s, (2, 3)))
    assert_same(f(2.0), jnp.fromfunction(lambda i, j: (i + j) * 2.0, (2, 3)))


def test_bad_fromfunction_shapes():
    _same_error(lambda m: m.fromfunction(lambda x: x, (2.5,)), TypeError, "fromfunction")
    _same_error(lambda m: m.fromfunction(lambda x: x, "ab"), TypeError, "fromfunction")


def test_frombuffer_and_fromstring_match_jax():
    buf = np.arange(10, dtype=np.int16).tobytes()
    _both(lambda m: m.frombuffer(buf, dtype=np.int16))
    _both(lambda m: m.frombuffer(buf, dtype=np.uint8, count=3, offset=2))
    _both(lambda m: m.frombuffer(np.ones(2).tobytes()))         # float64 -> float32
    _both(lambda m: m.fromstring("1 2 3", dtype=int, sep=" "))
    _both(lambda m: m.fromstring("0.5, 0.25", sep=","))
    _same_error(lambda m: m.frombuffer(b"abc", dtype=np.float32), ValueError, "multiple")
    _same_error(lambda m: m.fromstring("1 2 x", dtype=int, sep=" "), ValueError,
                "could not be read")
    with pytest.raises(TypeError):
        znp.fromstring("1 2")     # sep is required, as in JAX


def test_fromiter_and_fromfile_are_not_implemented_as_in_jax():
    for name in ("fromiter", "fromfile"):
        _same_error(lambda m: getattr(m, name)(iter([1, 2]), dtype=float),
                    NotImplementedError, f"jnp.{name}.*np.{name}")


# ## DLPack

def test_from_dlpack_of_numpy_and_jax_arrays():
    _both(lambda m: m.from_dlpack(X))
    _both(lambda m: m.from_dlpack(np.arange(4, dtype=np.int8)))
    _both(lambda m: m.from_dlpack(jnp.arange(3.0)))
    _both(lambda m: m.from_dlpack(X, copy=True))
    _same_error(lambda m: m.from_dlpack([1, 2]), TypeError, "__dlpack__")
    with pytest.raises(TypeError, match="__dlpack__"):
        zenax.jit(znp.from_dlpack)(X)


# ## load, save, savez

def test_save_and_load_round_trip_like_jax(tmp_path):
    for name, x in [("f32", X), ("bf16", jnp.array([1.5, -2.0], jnp.bfloat16)),
                    ("i8", np.arange(4, dtype=np.int8)), ("scalar", jnp.float32(2.5))]:
        znp.save(tmp_path / f"z_{name}", x)       # ".npy" added, as NumPy does
        jnp.save(tmp_path / f"j_{name}", x)
        assert (tmp_path / f"z_{name}.npy").read_bytes() == \
            (tmp_path / f"j_{name}.npy").read_bytes()
        assert_same(znp.load(tmp_path / f"z_{name}.npy"), jnp.load(tmp_path / f"j_{name}.npy"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{side}_{name}.npy" for side in "zj" for name in ("f32", "bf16", "i8", "scalar"))


def test_save_and_load_through_file_objects():
    buf = io.BytesIO()
    znp.save(buf, X)
    buf.seek(0)
    assert_same(znp.load(buf), jnp.asarray(X))
    buf = io.BytesIO()
    np.save(buf, np.array(["a", "b"]))
    buf.seek(0)
    out = znp.load(buf)        # strings stay a NumPy array, as in JAX
    assert isinstance(out, np.ndarray) and out.tolist() == ["a", "b"]


def test_savez_like_numpy(tmp_path):
    znp.savez(tmp_path / "z", X, w=jnp.arange(3))
    assert (tmp_path / "z.npz").exists()
    with znp.load(tmp_path / "z.npz") as archive, jnp.load(tmp_path / "z.npz") as expected:
        assert sorted(archive.files) == sorted(expected.files) == ["arr_0", "w"]
        for key in archive.files:
            np.testing.assert_array_equal(archive[key], expected[key])
    buf = io.BytesIO()
    znp.savez(buf, a=X)
    buf.seek(0)
    np.testing.assert_array_equal(np.load(buf)["a"], X)


def test_saving_never_leaves_a_half_written_file(tmp_path, monkeypatch):
    target = tmp_path / "weights.npy"
    znp.save(target, X)
    before = target.read_bytes()

    def crash(file, arr, allow_pickle=True):
        file.write(b"\x93NUMPY partial")
        raise OSError("disk full")
    monkeypatch.setattr(np, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        znp.save(target, X + 1)
    assert target.read_bytes() == before              # the old file, whole
    assert os.listdir(tmp_path) == ["weights.npy"]    # and no temporary left behind
    monkeypatch.undo()

    def crash_z(file, *args, **kwargs):
        file.write(b"PK partial")
        raise KeyboardInterrupt
    monkeypatch.setattr(np, "savez", crash_z)
    with pytest.raises(KeyboardInterrupt):
        znp.savez(tmp_path / "new.npz", X)
    assert os.listdir(tmp_path) == ["weights.npy"]    # no new file at all


def test_save_of_a_tracer_fails_before_touching_the_file(tmp_path):
    with pytest.raises(zenax.TracerArrayConversionError):
        zenax.jit(lambda x: znp.save(tmp_path / "t.npy", x))(X)
    assert not os.listdir(tmp_path)


def test_load_does_not_unpickle(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    _same_error(lambda m: m.load(path), ValueError, "allow_pickle")


# ## Printing

def test_array_str_and_repr_match_jax_printing():
    for x in (X, jnp.array([1, 2], jnp.int8), jnp.arange(3.0) + 0.125):
        assert znp.array_str(x) == jnp.array_str(x) == str(jnp.asarray(x))
        assert znp.array_repr(jnp.asarray(x)) == repr(jnp.asarray(x))
    # JAX's (NumPy's) array_str fails on a 0-d jax.Array; zenax's prints it as str does.
    scalar = jnp.float32(3.25)
    assert znp.array_str(scalar) == str(scalar) and znp.array_repr(scalar) == repr(scalar)
    kwargs = dict(precision=2, suppress_small=True, max_line_width=20)
    assert znp.array_str(X, **kwargs) == jnp.array_str(X, **kwargs)
    with jnp.printoptions(precision=2, suppress=True, linewidth=20):
        assert znp.array_repr(jnp.asarray(X), **kwargs) == repr(jnp.asarray(X))
    # NumPy inputs print as NumPy's, as they do in JAX.
    assert znp.array_repr(X, precision=3) == jnp.array_repr(X, precision=3)
    bf16 = jnp.array([1.5, 2.0], jnp.bfloat16)
    assert znp.array_str(bf16) == str(bf16)
    assert znp.array_repr(bf16) == repr(bf16)


def test_printing_a_tracer_raises_as_in_jax():
    for name in ("array_str", "array_repr"):
        with pytest.raises(zenax.TracerArrayConversionError):
            zenax.jit(lambda x: getattr(znp, name)(x))(X)


def test_print_options():
    saved = znp.get_printoptions()
    assert saved == jnp.get_printoptions() == np.get_printoptions()
    with znp.printoptions(precision=2):
        assert znp.get_printoptions()["precision"] == 2
        assert "0.33" in str(znp.asarray(X)) and "0.333" not in str(znp.asarray(X))
    assert znp.get_printoptions() == saved
    try:
        znp.set_printoptions(precision=3)
        assert jnp.get_printoptions()["precision"] == 3
        assert "0.333" in repr(znp.asarray(X))
    finally:
        np.set_printoptions(**saved)


# ## einsum_path

@pytest.mark.parametrize("optimize", ["auto", "greedy", "optimal", True, False,
                                      [(0, 2), (0, 1)]])
def test_einsum_path_matches_jax(optimize):
    x, y, z = np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 5))
    (zpath, zinfo), (jpath, jinfo) = (m.einsum_path("ij,jk,kl->il", x, y, z,
                                                    optimize=optimize) for m in (znp, jnp))
    assert zpath == jpath and str(zinfo) == str(jinfo)


def test_einsum_path_is_usable_by_einsum():
    x, y, z = (jnp.asarray(np.random.RandomState(i).randn(*s).astype(np.float32))
               for i, s in enumerate([(2, 3), (3, 4), (4, 5)]))
    path, _ = znp.einsum_path("ij,jk,kl", x, y, z, optimize="optimal")
    assert_same(znp.einsum("ij,jk,kl", x, y, z, optimize=path),
                jnp.einsum("ij,jk,kl", x, y, z), rtol=1e-5, atol=1e-5)


def test_docstring_examples():
    saved = np.get_printoptions()
    for module in (io_module, printing, einsum_module):
        assert doctest.testmod(module, extraglobs={"jnp": znp}).failed == 0, module
    assert np.get_printoptions() == saved


def test_load_refuses_to_unpickle(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="unpickles"):
        znp.load(path, allow_pickle=True)
