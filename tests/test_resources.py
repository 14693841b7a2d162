"""Resource use: memory of repeated calls, the bounded jit cache, clearing caches, tracing
time that is linear in the program's size, and no code execution on data paths.

Timing here is not a speed target (those live in bench/): the scaling test only catches
quadratic behaviour, with a generous bound on the growth ratio.
"""
from __future__ import annotations

import ast
import gc
import json
import os
import pathlib
import re
import subprocess
import sys
import tracemalloc
import weakref

import jax
import jax.numpy as jjnp
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp

pytestmark = pytest.mark.slow   # end to end: thousands of calls per memory check

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))   # bench/ is not installed


@pytest.fixture
def cache_size():
    """Restore ``zenax_jit_cache_size`` after the test."""
    before = zenax.config.read("zenax_jit_cache_size")
    yield
    zenax.config.update("zenax_jit_cache_size", before)


def _python_bytes_growth(step, n: int = 500, windows: int = 3) -> list[int]:
    """Bytes of Python objects kept by each of ``windows`` runs of ``n`` calls of
    ``step``, after ``n`` calls of warm-up.  A leak keeps something every call, so every
    window grows; caches (ours and JAX's: traces, compiles, dispatch tables) fill up in
    the first calls and stop."""
    for _ in range(n):
        step()
    gc.collect()
    tracemalloc.start()
    try:
        growth, before = [], tracemalloc.get_traced_memory()[0]
        for _ in range(windows):
            for _ in range(n):
                step()
            gc.collect()
            now = tracemalloc.get_traced_memory()[0]
            growth.append(now - before)
            before = now
    finally:
        tracemalloc.stop()
    return growth


def _mlp(x, w):
    return jnp.sum(jnp.tanh(x @ w) ** 2)


W = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
X = np.linspace(-2, 2, 8, dtype=np.float32).reshape(2, 4)
XS = np.linspace(-2, 2, 24, dtype=np.float32).reshape(3, 2, 4)


@pytest.mark.parametrize("name", ["jit", "grad_of_jit", "jit_of_grad", "vmap_of_jit",
                                  "value_and_grad_eager"])
def test_repeated_calls_do_not_grow_memory(name):
    f = zenax.jit(_mlp)
    step = {
        "jit": lambda: f(X, W),
        "grad_of_jit": lambda: zenax.grad(f, argnums=1)(X, W),
        "jit_of_grad": (lambda g: lambda: g(X, W))(zenax.jit(zenax.grad(_mlp, argnums=1))),
        "vmap_of_jit": lambda: zenax.vmap(f, in_axes=(0, None))(XS, W),
        "value_and_grad_eager": lambda: zenax.value_and_grad(_mlp, argnums=1)(X, W),
    }[name]
    growth = _python_bytes_growth(step)
    # A leak of even one small object (>= 32 bytes) per call keeps >= 16 KB per window.
    assert min(growth) < 4_000, f"bytes kept by successive 500 calls of {name}: {growth}"


def test_repeated_calls_keep_one_cache_entry():
    f = zenax.jit(lambda x, w: _mlp(x, w))
    for _ in range(50):
        f(X, W)
    assert len(f._cache.entries) == 1
    stats = f.cache_stats()
    assert (stats.traces, stats.compiles, stats.hits) == (1, 1, 49)


def test_jitted_closures_are_freed_with_their_function():
    """``jit(lambda ...)`` made in a loop: each function's cache (jaxpr, executable) goes
    when the function does."""
    refs = []
    for i in range(5):
        fn = lambda x, i=i: x * i  # noqa: E731
        zenax.jit(fn)(np.ones(3, np.float32))
        refs.append(weakref.ref(fn))
        del fn
    gc.collect()
    assert all(r() is None for r in refs)


def test_the_cache_is_lru_with_a_configurable_size(cache_size):
    zenax.config.update("zenax_jit_cache_size", 3)
    assert zenax.config.read("zenax_jit_cache_size") == 3
    f = zenax.jit(lambda x: x * 2)
    shapes = [(1,), (2,), (3,)]
    for s in shapes:
        f(jnp.ones(s))
    f(jnp.ones((1,)))             # a hit: (1,) is now the most recently used
    f(jnp.ones((4,)))             # evicts the least recently used: (2,)
    assert f.cache_stats().traces == 4 and len(f._cache.entries) == 3
    f(jnp.ones((1,)))
    f(jnp.ones((3,)))
    assert f.cache_stats().traces == 4     # both still cached
    f(jnp.ones((2,)))
    assert f.cache_stats().traces == 5     # evicted: traced again
    np.testing.assert_array_equal(np.asarray(f(jnp.ones((2,)))), [2.0, 2.0])


def test_evicted_entries_are_freed(cache_size):
    zenax.config.update("zenax_jit_cache_size", 1)
    f = zenax.jit(lambda x: jnp.sin(x) + 1.0)
    f(jnp.ones(2))
    (entry,) = f._cache.entries.values()
    jaxpr_ref = weakref.ref(entry.jaxpr)
    del entry
    f(jnp.ones(3))
    gc.collect()
    assert jaxpr_ref() is None


def test_shrinking_the_cache_trims_existing_caches(cache_size):
    zenax.config.update("zenax_jit_cache_size", 8)
    f = zenax.jit(lambda x: x + 1)
    for n in range(1, 7):
        f(jnp.ones(n))
    zenax.config.update("zenax_jit_cache_size", 2)
    assert len(f._cache.entries) == 2


@pytest.mark.parametrize("size", [0, -1, 2.5, "10", True])
def test_cache_size_must_be_a_positive_int(size, cache_size):
    with pytest.raises(ValueError, match=r"zenax_jit_cache_size must be a positive int, "
                                         rf"got {re.escape(repr(size))}"):
        zenax.config.update("zenax_jit_cache_size", size)


_CLEAR_CACHES = """
import jax, jax.numpy as jjnp, numpy as np, zenax, zenax.numpy as jnp
W = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
X = np.linspace(-2, 2, 8, dtype=np.float32).reshape(2, 4)
f = zenax.jit(lambda x, w: jnp.sum(jnp.tanh(x @ w) ** 2))
g = zenax.grad(f, argnums=1)
want_f, want_g = np.asarray(f(X, W)), np.asarray(g(X, W))
zenax.clear_caches()
assert len(f._cache.entries) == 0
traces = f.cache_stats().traces
np.testing.assert_array_equal(np.asarray(f(X, W)), want_f)
np.testing.assert_array_equal(np.asarray(g(X, W)), want_g)
assert f.cache_stats().traces == traces + 1
# The numbers are JAX's too.
jax_f = lambda x, w: jjnp.sum(jjnp.tanh(x @ w) ** 2)
np.testing.assert_allclose(want_f, jax_f(X, W), rtol=1e-6)
np.testing.assert_allclose(want_g, jax.grad(jax_f, argnums=1)(X, W), rtol=1e-5)
print("ok")
"""


def test_clear_caches_drops_everything_and_functions_still_work():
    # In a process of its own: clearing every cache here would make the tests that
    # follow in this worker compile everything again.
    proc = subprocess.run([sys.executable, "-c", _CLEAR_CACHES], cwd=ROOT, text=True,
                          capture_output=True, timeout=300,
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]


def test_clear_cache_of_one_function():
    f, h = zenax.jit(lambda x: x + 1), zenax.jit(lambda x: x - 1)
    f(1.0), h(1.0)
    f.clear_cache()
    assert len(f._cache.entries) == 0 and len(h._cache.entries) == 1
    assert float(f(1.0)) == 2.0 and f.cache_stats().traces == 2


# ## Tracing time is linear in the program's size

def test_tracing_and_transforming_scale_linearly():
    from bench import tracing_scale
    result = tracing_scale.measure((500, 5000), reps=3, names=("make_jaxpr", "grad"),
                                   with_jax=False)
    assert 9.5 < result["size_ratio"] < 10.5
    for name, row in result["workloads"].items():
        # Linear is ~10; quadratic would be ~100.  Generous: CI machines are noisy.
        assert row["zenax"]["growth_ratio"] <= 20, (name, row)


@pytest.mark.exhaustive   # the full tier; CI measures the same growth in-process (test_tracing_and_transforming_scale_linearly)
def test_tracing_benchmark_reports_its_figures():
    """``python -m bench tracing --small``: a JSON line with the growth ratios (smoke)."""
    proc = subprocess.run([sys.executable, "-m", "bench", "tracing", "--small", "--reps", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    (line,) = [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{")]
    assert line["bench"] == "tracing" and line["small"] is True
    assert set(line["workloads"]) == {"make_jaxpr", "grad", "vmap", "jit_trace"}
    for row in line["workloads"].values():
        for lib in ("zenax", "jax"):
            assert row[lib]["growth_ratio"] > 0 and set(row[lib]["s_per_1k_eqns"]) == {"300", "3000"}
    assert {r["metric"] for r in line["rows"]} >= {"grad: growth ratio, 300 -> 3000 equations"}


# ## No pickle, eval or exec on data paths

SOURCE_DIRS = ("tracer", "lax", "transforms", "models", "zenax")
# Modules that deserialize by running code.
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "cloudpickle", "dill", "marshal", "shelve",
                  "joblib"}
CODE_BUILTINS = {"eval", "exec", "compile", "__import__"}
# Reviewed exceptions, each with its reason: no data ever reaches these.
INTERACTIVE_USES = {
    # The ``(jdb)`` prompt of ``jax.debug.breakpoint`` evaluates what the person at the
    # keyboard types in the paused frame, as pdb does.
    ("lax/debugger.py", "eval()"),
}


def unsafe_uses(source: str) -> list[tuple[int, str]]:
    """``(line, what)`` for each use in ``source`` of code-running deserialization or
    dynamic code: imports of pickle & co., eval/exec/compile/__import__ calls,
    ``allow_pickle=True``, ``torch.load`` and ``yaml.load``.  (The syntax tree, so words
    in docstrings and comments do not count.)"""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names
                      if a.name.split(".")[0] in UNSAFE_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in UNSAFE_MODULES:
                found.append((node.lineno, f"from {node.module} import"))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in CODE_BUILTINS:
                found.append((node.lineno, f"{func.id}()"))
            if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and (func.value.id, func.attr) in {("torch", "load"), ("yaml", "load"),
                                                       ("yaml", "unsafe_load"),
                                                       ("builtins", "eval"),
                                                       ("builtins", "exec")}):
                found.append((node.lineno, f"{func.value.id}.{func.attr}()"))
            found += [(node.lineno, "allow_pickle=True") for k in node.keywords
                      if k.arg == "allow_pickle" and not (isinstance(k.value, ast.Constant)
                                                          and k.value.value is False)]
    return found


def test_no_pickle_eval_or_exec_in_the_package():
    sources = [p for d in SOURCE_DIRS for p in sorted((ROOT / d).rglob("*.py"))]
    assert len(sources) > 40
    found = [f"{path.relative_to(ROOT)}:{line}: {what}"
             for path in sources for line, what in unsafe_uses(path.read_text())
             if (str(path.relative_to(ROOT)), what) not in INTERACTIVE_USES]
    assert not found, "\n".join(found)


def test_the_scan_sees_what_it_looks_for():
    """The scan flags the calls it forbids, and not names that merely look alike."""
    bad = ["import pickle", "from pickle import loads", "import dill as d", "eval(text)",
           "exec(code, env)", "compile(src, 'f', 'exec')", "__import__('os')",
           "np.load(f, allow_pickle=True)", "torch.load(path)", "yaml.load(stream)",
           "builtins.eval('1')"]
    for src in bad:
        assert unsafe_uses(src), src
    ok = ["eval_jaxpr(j, c)", "zenax.eval_shape(f, x)", "model.eval()", "executable(x)",
          "np.load(f, allow_pickle=False)", "x = 'no pickle, no eval() here'",
          "# pickle.loads(data)", "safetensors.numpy.load_file(path)"]
    for src in ok:
        assert not unsafe_uses(src), src


def test_loading_a_checkpoint_never_runs_code(tmp_path):
    """A pickle that would run code when unpickled, saved where a checkpoint should be:
    loading it is an error naming the file, and the code never runs."""
    marker = tmp_path / "ran"
    payload = (b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR.")
    path = tmp_path / "evil.safetensors"
    path.write_bytes(payload)
    with pytest.raises(Exception) as info:
        zenax.io.load(str(path))
    assert "evil.safetensors" in str(info.value)
    assert not os.path.exists(marker)
