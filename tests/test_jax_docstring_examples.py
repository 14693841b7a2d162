"""JAX's docstring examples, run under JAX and under zenax, print the same
(docstring_examples.py collects and compares them).

Each function of a namespace listed here that has ``>>>`` examples is one test.  The
functions whose examples cannot agree for a reason that is not a zenax defect are listed
in ``docstring_skips.toml`` with that reason; every other function must agree, and a
listed one that agrees now fails too (so the list stays short and true).  Run this file
with ``-rA`` or ``python tests/docstring_examples.py jax.numpy`` for the per-namespace
pass count.
"""
from __future__ import annotations

import pathlib
import tomllib

import pytest

import docstring_examples as dx

# The namespaces whose examples are an acceptance check today; the API issues add theirs.
NAMESPACES = ("jax.numpy", "jax.numpy.linalg", "jax.numpy.fft", "jax.tree",
              "jax.scipy.signal", "jax.scipy.integrate", "jax.scipy.ndimage",
              "jax.scipy.interpolate", "jax.scipy.cluster.vq", "jax.scipy.spatial.transform",
              "jax.scipy.linalg", "jax.scipy.fft", "jax.lax.linalg", "jax.scipy.stats",
              "jax.scipy.stats.poisson", "jax.scipy.special", "jax.random", "jax.nn",
              "jax.nn.initializers", "jax.lax", "jax.debug", "jax.dtypes",
              "jax.ad_checkpoint", "jax.custom_batching", "jax.typing", "jax.flatten_util",
              "jax", "jax.tree_util")

SKIPS = tomllib.loads((pathlib.Path(__file__).parent / "docstring_skips.toml").read_text())
# Names zenax does not have yet are tracked, with their issue, in api_pending.toml.
PENDING = tomllib.loads((pathlib.Path(__file__).parent / "api_pending.toml").read_text())

# At least this fraction of a namespace's functions with examples must agree.
MIN_AGREEING = 0.97


def _cases():
    for namespace in NAMESPACES:
        for name in dx.public_names(namespace):
            if name in PENDING.get(namespace, {}).get("missing", ()):
                continue
            if dx.examples_of(getattr(__import__(namespace, fromlist=["_"]), name, None)):
                yield namespace, name


CASES = list(_cases())


@pytest.mark.parametrize("namespace,name", CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_examples_print_the_same(namespace, name):
    comparison = dx.compare(namespace, name)
    skip_reason = SKIPS.get(namespace, {}).get(name)
    if skip_reason is None:
        assert comparison.agrees, comparison.first_difference()
    else:
        assert not comparison.agrees, (
            f"{namespace}.{name} agrees now: remove it from docstring_skips.toml")


def test_skip_list_is_short_and_reasoned():
    for namespace, entries in SKIPS.items():
        total = sum(1 for n, _ in CASES if n == namespace)
        assert namespace in NAMESPACES, namespace
        for name, reason in entries.items():
            assert (namespace, name) in CASES, f"{namespace}.{name} has no examples"
            assert isinstance(reason, str) and len(reason) > 10, name
        assert len(entries) <= (1 - MIN_AGREEING) * total, (
            f"{namespace}: {len(entries)} of {total} functions skipped")
