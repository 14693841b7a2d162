"""The ``>>>`` examples in zenax.numpy's docstrings print what they say (one test per
module of ``zenax.lax.jnp``; ``jnp`` is zenax.numpy, ``zenax`` the package)."""
import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import zenax
import zenax.lax.jnp
import zenax.numpy as jnp

MODULES = sorted(m.name for m in pkgutil.iter_modules(zenax.lax.jnp.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_examples_in_docstrings_hold(name):
    module = importlib.import_module(f"zenax.lax.jnp.{name}")
    result = doctest.testmod(module, extraglobs={"jnp": jnp, "zenax": zenax, "np": np},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"
