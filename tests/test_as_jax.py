"""zenax.install_as_jax(), `python -m zenax run`, and `pytest -p zenax.as_jax`: JAX code
and JAX libraries (Optax, Flax NNX, Equinox) run on zenax while zenax's back end keeps
the real JAX.

Each scenario changes what `import jax` means for a whole process, so each runs in a
subprocess; they start together (one fixture) and each test reads its own."""
import doctest
import json
import subprocess
import sys

import numpy as np
import pytest

import zenax
import zenax.as_jax as as_jax
from zenax.__main__ import main

pytestmark = pytest.mark.slow   # subprocesses under the switch: CI runs it, the quick loop not

USER_SCRIPT = '''
import json, sys
import jax, jax.numpy as jnp
from jax import lax
import jax.scipy.special, jax.random, jax.tree_util
import importlib
import optax
import optax._src.alias
import zenax

out = {"argv": sys.argv[1:]}
out["aliases"] = [jax is zenax, jnp is zenax.numpy, lax is zenax.lax,
                  jax.scipy.special is zenax.scipy.special, jax.random is zenax.random,
                  jax.tree_util is zenax.tree_util,
                  importlib.import_module("jax.numpy") is zenax.numpy,
                  optax._src.alias.jax is zenax]
out["jaxpr_type"] = type(jax.make_jaxpr(jnp.sin)(1.0)).__module__
out["grad"] = float(jax.grad(lambda x: jnp.sin(x) * 2.0)(1.0))
# The back end keeps the real JAX: sys.modules is untouched, zenax's and JAX's own
# imports get JAX.
real = sys.modules["jax"]
g = {"__name__": "zenax.lax.somewhere"}
exec("import jax.numpy as jnp", g)
h = {"__name__": "jax._src.somewhere"}
exec("import jax", h)
out["backend"] = [real is not zenax, real.__name__ == "jax", g["jnp"] is real.numpy,
                  h["jax"] is real]
try:
    import jax._src.interpreters.pxla
    out["internal"] = "imported"
except ModuleNotFoundError as e:
    out["internal"] = str(e)

params = {"w": jnp.asarray([1.0, -2.0, 0.5]), "b": jnp.asarray(0.25)}
loss = lambda p: jnp.sum((p["w"] * 3.0 + p["b"]) ** 2)
opt = optax.adam(0.1)
state = opt.init(params)
grads = jax.grad(loss)(params)
updates, state = opt.update(grads, state, params)
new = optax.apply_updates(params, updates)
out["adam"] = {k: jax.tree_util.tree_leaves(v)[0].tolist() for k, v in new.items()}

zenax.as_jax.uninstall_as_jax()
import jax as after
out["after_uninstall"] = [after is real, after is not zenax]
try:  # this script now holds the real JAX (`after`): installing again must refuse
    zenax.as_jax.install_as_jax()
    out["error"] = None
except RuntimeError as e:
    out["error"] = str(e)
out["installed_after_error"] = zenax.as_jax.is_installed()
print(json.dumps(out))
'''

CONFTEST = "import jax\nCONFTEST_JAX = jax\n"
PLUGIN_TEST = '''
import sys
import jax, jax.numpy as jnp
import conftest
import zenax


def test_jax_is_zenax():
    assert jax is zenax and conftest.CONFTEST_JAX is zenax
    assert type(jax.make_jaxpr(jnp.cos)(1.0)) is zenax.ClosedJaxpr
    assert sys.modules["jax"] is not zenax
'''

# The must-show: Optax, Flax NNX and Equinox, imported under the switch, hold
# zenax as their `jax`, while zenax's back end holds the real one. The same script runs
# under plain JAX too: the libraries' results must agree.
LIBRARIES_SCRIPT = '''
import json, sys
import optax, flax.nnx, equinox
import optax._src.alias, flax.nnx.graphlib, equinox._filters
import jax, jax.numpy as jnp

out = {}
if "zenax" in sys.modules and sys.modules["zenax"].as_jax.is_installed():
    import zenax, zenax.compat.core, zenax.transforms.lowering
    real = sys.modules["jax"]
    out["aliases"] = [optax._src.alias.jax is zenax, flax.nnx.graphlib.jax is zenax,
                      equinox._filters.jax is zenax, jax is zenax,
                      equinox._filters.jax.core is zenax.compat.core]
    out["backend"] = [real is not zenax, real.__name__ == "jax",
                      zenax.transforms.lowering.jax is real]
    out["jaxpr_type"] = type(jax.make_jaxpr(jnp.sin)(1.0)).__module__
x = jnp.arange(3.0)
eqx_linear = equinox.nn.Linear(3, 2, key=jax.random.key(0))
nnx_linear = flax.nnx.Linear(3, 2, rngs=flax.nnx.Rngs(0))
out["equinox"] = eqx_linear(x).tolist()
out["equinox_grad"] = jax.grad(lambda m: jnp.sum(m(x) ** 2))(eqx_linear).weight.tolist()
out["nnx"] = nnx_linear(x).tolist()
out["optax"] = optax.sgd(0.5).update({"x": x}, optax.sgd(0.5).init({"x": x}))[0]["x"].tolist()
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start the two scenarios at once; each test waits for its own."""
    d = tmp_path_factory.mktemp("as_jax")
    (d / "user_script.py").write_text(USER_SCRIPT)
    (d / "libraries.py").write_text(LIBRARIES_SCRIPT)
    plugin = d / "plugin"
    plugin.mkdir()
    (plugin / "pytest.ini").write_text("[pytest]\n")
    (plugin / "conftest.py").write_text(CONFTEST)
    (plugin / "test_under_switch.py").write_text(PLUGIN_TEST)
    popen = lambda args, cwd: subprocess.Popen(  # noqa: E731
        [sys.executable, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    procs = {
        "run": popen(["-m", "zenax", "run", "user_script.py", "a", "--flag"], d),
        "libraries": popen(["-m", "zenax", "run", "libraries.py"], d),
        "libraries_jax": popen(["libraries.py"], d),
        "plugin": popen(["-m", "pytest", "-p", "zenax.as_jax", "-q", "-p", "no:cacheprovider",
                         "-p", "no:xdist", "test_under_switch.py"], plugin),
    }
    yield procs
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait()


def _result(proc, as_json=True):
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{stdout}\n{stderr}"
    return json.loads(stdout.strip().splitlines()[-1]) if as_json else stdout


def test_run_gives_user_code_and_optax_zenax_and_keeps_real_jax_for_back_end(runs):
    out = _result(runs["run"])
    assert out["argv"] == ["a", "--flag"]
    assert out["aliases"] == [True] * 8
    assert out["jaxpr_type"] == "zenax.tracer.ir"  # zenax's make_jaxpr ran
    np.testing.assert_allclose(out["grad"], 2 * np.cos(1.0), rtol=1e-6)
    assert out["backend"] == [True] * 4
    assert "jax._src.interpreters.pxla" in out["internal"]
    assert "zenax does not provide" in out["internal"]
    # Adam's first step moves each parameter by lr * g / (|g| + eps) against its gradient.
    w, b = np.array([1.0, -2.0, 0.5]), 0.25
    residual = w * 3.0 + b
    g = {"w": 6.0 * residual, "b": 2.0 * residual.sum()}
    for name, value in {"w": w, "b": b}.items():
        expected = np.ravel(value - 0.1 * g[name] / (np.abs(g[name]) + 1e-8))
        np.testing.assert_allclose(out["adam"][name] if name == "w" else [out["adam"][name]],
                                   expected, rtol=1e-5)
    assert out["after_uninstall"] == [True, True]


def test_optax_flax_nnx_equinox_get_zenax_and_the_back_end_keeps_real_jax(runs):
    ours, theirs = _result(runs["libraries"]), _result(runs["libraries_jax"])
    assert ours.pop("aliases") == [True] * 5
    assert ours.pop("backend") == [True] * 3
    assert ours.pop("jaxpr_type") == "zenax.tracer.ir"  # zenax's make_jaxpr ran
    assert ours.keys() == theirs.keys()
    for name in ours:  # same keys, so the same initial parameters: same results
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-5, err_msg=name)


def test_views_of_jax_internal_modules_are_bound_while_installed(monkeypatch):
    # `import jax.core` / `from jax import core` / `from jax._src import compiler` in a
    # library get zenax.compat's views, and `jax.core` is an attribute of the `jax`
    # they hold, as in JAX; uninstalling unbinds them.
    import zenax.compat._src.compiler
    import zenax.compat.core
    monkeypatch.setattr(as_jax, "_offending_modules", lambda: [])
    library = {"__name__": "some_library"}
    try:
        as_jax.install_as_jax()
        exec("import jax.core\nfrom jax import core\nfrom jax._src import compiler",
             library)
        assert library["jax"] is zenax and library["jax"].core is zenax.compat.core
        assert library["core"] is zenax.compat.core
        assert library["compiler"] is zenax.compat._src.compiler
        assert library["jax"]._src.compiler is zenax.compat._src.compiler
    finally:
        as_jax.uninstall_as_jax()
    assert not hasattr(zenax, "core") and not hasattr(zenax, "_src")


def test_install_after_the_real_jax_was_imported_is_refused(runs):
    out = _result(runs["run"])
    assert out["error"] is not None and "__main__" in out["error"]
    assert "before" in out["error"] and "python -m zenax run" in out["error"]
    assert out["installed_after_error"] is False


def test_docstring_examples(monkeypatch):
    # Run here as a user's script would (__name__ == "__main__"); this process's test
    # modules hold the real JAX, which the examples' install would refuse, so the check
    # is stubbed, and the switch is always taken down again.
    monkeypatch.setattr(as_jax, "_offending_modules", lambda: [])
    try:
        res = doctest.testmod(as_jax, globs={"__name__": "__main__"}, report=True)
    finally:
        as_jax.uninstall_as_jax()
    assert res.failed == 0 and res.attempted >= 8, res


def test_pytest_plugin_installs_before_conftest(runs):
    assert "1 passed" in _result(runs["plugin"], as_json=False)


def test_importers_that_keep_the_real_jax():
    keep = ["zenax", "zenax.lax.eager", "jax", "jax._src.api", "jaxlib._jax", "jax_plugins.x",
            "jax_cuda12_plugin", "importlib.util"]
    alias = ["__main__", "optax._src.alias", "jaxtyping", "jax_md", "flax.nnx", "zenaxx", None]
    assert all(as_jax._wants_real_jax(name) for name in keep)
    assert not any(as_jax._wants_real_jax(name) for name in alias)


def test_counterparts_of_jax_modules():
    assert as_jax._zenax_module("jax") is zenax
    assert as_jax._zenax_module("jax.numpy.linalg") is zenax.numpy.linalg  # an attribute
    assert as_jax._zenax_module("jax.scipy.special") is zenax.scipy.special
    name = "jax._src.interpreters.pxla"
    with pytest.raises(ModuleNotFoundError, match=f"'{name}'.*internal") as e:
        as_jax._zenax_module(name)
    assert e.value.name == name
    assert as_jax._zenax_module("jax.experimental.checkify") is zenax.experimental.checkify
    with pytest.raises(ModuleNotFoundError, match="'jax.experimental.pallas'"):
        as_jax._zenax_module("jax.experimental.pallas")
    assert not as_jax.is_installed()


def test_run_subcommand_rejects_a_missing_script(capsys, tmp_path):
    assert main(["run", str(tmp_path / "missing.py")]) == 2
    assert "zenax run: error" in capsys.readouterr().err
    assert not as_jax.is_installed()


def test_plugin_hook_refuses_when_a_module_holds_the_real_jax(monkeypatch):
    import types
    lib = types.ModuleType("some_jax_library")
    lib.jax = zenax._jax  # what `import jax` left in a library imported too early
    monkeypatch.setitem(sys.modules, "some_jax_library", lib)
    with pytest.raises(RuntimeError, match="some_jax_library"):
        as_jax.pytest_load_initial_conftests(None, None, [])
    as_jax.pytest_unconfigure(None)  # uninstalling when not installed is a no-op
    assert not as_jax.is_installed()


def test_switch_is_exported_from_zenax():
    assert zenax.install_as_jax is as_jax.install_as_jax
    assert zenax.uninstall_as_jax is as_jax.uninstall_as_jax
