"""Fixtures shared by the test files."""
import jax
import pytest

import zenax


@pytest.fixture
def x64():
    """Run a test in float64 (for tight finite differences), restoring the flag after."""
    before = jax.config.jax_enable_x64
    zenax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        zenax.config.update("jax_enable_x64", before)
