"""Fixtures shared by the test files, and the hypothesis profile CI runs with."""
import os

import jax
import pytest
from hypothesis import settings

import zenax

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
