"""Fixtures shared by the test files, the hypothesis profile CI runs with, the XLA
options the suite compiles with, and which cases count as ``slow``."""
import os
import sys

# The suite runs thousands of tiny programs once each, so its time is mostly XLA
# compiling them, and most of a CPU compile is LLVM optimizing machine code that runs for
# microseconds.  The tests check what programs compute (and the HLO that XLA's own passes
# produce, which these options leave alone), not how fast the generated code is, so they
# compile without the expensive backend passes (~30% less time) and with XLA's older CPU
# fusion emitters, which compile a small program in ~60% of the new ones' time (measured:
# 28 -> 18 ms per program; the CI tier 614 -> 448 s on 2 cores, every test passing).  Set
# ZENAX_TEST_FULL_XLA_OPT=1 to test with XLA's default code generation.  Set before JAX
# creates its CPU client (subprocesses the tests start inherit it).
# The older emitters round some transcendental functions differently (an ulp, and more
# in a few special functions' series), which the full tier's exhaustive value and
# finite-difference sweeps see: the full run (``-m ""``) keeps XLA's current emitters.
# (Decided in the main process, whose command line says the tier; the xdist workers
# inherit the decision through the environment.)
if "ZENAX_TEST_OLD_EMITTERS" not in os.environ:
    _argv = sys.argv[1:]
    _full = any(a in ("-m=", "--markexpr=") or (a in ("-m", "--markexpr") and i + 1 < len(_argv)
                                                and _argv[i + 1] == "")
                for i, a in enumerate(_argv))
    os.environ["ZENAX_TEST_OLD_EMITTERS"] = "0" if _full else "1"
if not os.environ.get("ZENAX_TEST_FULL_XLA_OPT"):
    os.environ["XLA_FLAGS"] = " ".join([
        os.environ.get("XLA_FLAGS", ""), "--xla_backend_optimization_level=0",
        "--xla_llvm_disable_expensive_passes=true"]
        + (["--xla_cpu_use_fusion_emitters=false"]
           if os.environ["ZENAX_TEST_OLD_EMITTERS"] == "1" else [])).strip()
# Eight host CPU devices stand in for accelerators in the sharding, shard_map and pmap
# tests (test_sharding_devices.py); asked for here, before any test module can make JAX
# create its devices, so those tests run in this process rather than in a subprocess.
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = " ".join([os.environ.get("XLA_FLAGS", ""),
                                        "--xla_force_host_platform_device_count=8"]).strip()

# One persistent XLA compilation cache for the whole run, shared by the xdist workers and
# the subprocesses tests start (they inherit the environment): the same small programs
# (JAX's oracles, zenax's eager executables) recur across test files and workers, and a
# program compiled once is then read back instead of compiled again (~14% of the suite's
# time).  A fresh folder per run, made by the first process and removed when it exits, so
# no run reads another's entries.
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    import atexit
    import shutil
    import tempfile
    _cache_dir = tempfile.mkdtemp(prefix="zenax-test-xla-cache-")
    atexit.register(shutil.rmtree, _cache_dir, ignore_errors=True)
    os.environ.update(JAX_COMPILATION_CACHE_DIR=_cache_dir,
                      JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
                      JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")

import jax  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

import zenax  # noqa: E402

# In CI (the ``CI`` environment variable set) every property test runs on the same fixed
# examples, so a failure there reproduces anywhere with ``HYPOTHESIS_PROFILE=ci``, which
# selects this (or any registered) profile by hand.  A test's own ``@settings`` still wins
# where it names a value (test_fuzz.py asks for 200 examples, derandomized, too).
settings.register_profile("ci", derandomize=True, max_examples=200, deadline=None,
                          database=None, print_blob=True)
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else None)
if _PROFILE:
    settings.load_profile(_PROFILE)


@pytest.fixture
def x64():
    """Run a test in float64 (for tight finite differences), restoring the flag after."""
    before = jax.config.jax_enable_x64
    zenax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        zenax.config.update("jax_enable_x64", before)


# Three tiers, all of one suite:
#
# * the full run, ``pytest -m ""``: every case of every test;
# * CI and the README's command, ``pytest`` (pyproject's addopts add
#   ``-m 'not exhaustive'``): every test function, and of a parametrized one every 24th
#   case (the first, 25th, ...) -- neighbouring cases differ in one shape or option, so a
#   sample keeps each kind of case at a 24th of the compiles -- no 16-bit float
#   variants of the spec tables (they repeat the float32 case in a narrower dtype), and
#   no tests marked ``exhaustive`` by hand (float64 finite-difference sweeps);
# * the development loop, ``pytest -m "not slow"``: every 48th case, without the end
#   to end files.
#
# Tests marked ``all_cases`` (the API parity check) run every case in every tier.
_NARROW_FLOATS = frozenset({"float16", "bfloat16"})


def _dtype_name(value):
    try:
        return np.dtype(value).name
    except TypeError:
        return None


CI_STRIDE, QUICK_STRIDE = 24, 48


def pytest_configure(config):
    # Which tier runs, for tests that size themselves by it (test_fuzz.py): "full" for
    # ``-m ""``, "ci" otherwise.  Set before test modules are imported (in xdist workers too).
    os.environ["ZENAX_TEST_TIER"] = "full" if config.option.markexpr == "" else "ci"


def pytest_collection_modifyitems(config, items):
    seen: dict[tuple, int] = {}
    for item in items:
        if item.get_closest_marker("exhaustive") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)    # the full tier only: not in the quick loop
        params = getattr(getattr(item, "callspec", None), "params", {})
        if _dtype_name(params.get("dtype")) in _NARROW_FLOATS:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.exhaustive)
            continue
        if params and not item.get_closest_marker("all_cases"):
            key = (item.nodeid.split("::")[0], item.originalname)
            index = seen[key] = seen.get(key, -1) + 1
            if index % QUICK_STRIDE:
                item.add_marker(pytest.mark.slow)
            if index % CI_STRIDE:
                item.add_marker(pytest.mark.exhaustive)
