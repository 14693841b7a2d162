"""Run unchanged JAX code, and the libraries built on JAX, on zenax.

After ``zenax.install_as_jax()``, an ``import jax`` (``import jax.numpy as jnp``,
``from jax import lax``, ``import jax.scipy.special``, ...) written in user code or in a
third-party library such as Optax gives zenax's module of the same name, so the
library's gradients, batching and compilation run on zenax's own transforms (its jitted
functions are traced into zenax jaxprs). Three ways in:

- ``zenax.install_as_jax()`` at the top of a script, before anything imports ``jax``
  (``zenax.uninstall_as_jax()`` undoes it);
- ``python -m zenax run script.py [args]`` (or ``run -m package.module``), which
  installs it and then runs the script as ``python script.py`` would;
- ``pytest -p zenax.as_jax``, this module as a pytest plugin: it installs the switch
  before pytest loads any conftest.py or test module.

Why an import hook and not a meta-path finder or a ``sys.modules`` swap: zenax's own
back end imports the real ``jax`` when zenax is imported, so ``sys.modules["jax"]`` is
already filled by the time the switch is installed, and the import system answers an
``import jax`` from ``sys.modules`` without asking any finder. Replacing the
``sys.modules`` entries instead would hand zenax's module to JAX itself (``jax`` and
``jaxlib`` import their own submodules lazily, at call time) and break the back end.
So the switch wraps ``builtins.__import__`` (what every ``import`` statement calls)
and ``importlib.import_module``, and decides per import by *who imports*: the
importing module's ``__name__``, which an ``import`` statement passes in its globals.
Imports made from ``zenax.*``, ``jax.*``, ``jaxlib.*`` and JAX's backend plugins get
the real JAX; every other ``jax``/``jax.<sub>`` import gets ``zenax``/``zenax.<sub>``.
``sys.modules`` is never touched, so uninstalling restores plain behaviour for every
later import (modules imported while the switch was on keep the zenax modules they
got). Known limit: a reference to ``importlib.import_module`` taken before the switch
was installed (``from importlib import import_module``) bypasses it.

A JAX module outside the public API (``jax.core``, ``jax._src.xla_bridge``) is answered
by zenax's view of it in :mod:`zenax.compat` where there is one; while the switch is on
the view is also an attribute of zenax's module (``jax.core`` after ``import jax``), as
in JAX, and uninstalling removes it.

>>> import zenax
>>> zenax.install_as_jax()
>>> import jax
>>> jax is zenax
True
>>> zenax.uninstall_as_jax()
"""
from __future__ import annotations

import builtins
import importlib
import importlib.machinery
import importlib.util
import re
import sys
import types

__all__ = ["install_as_jax", "uninstall_as_jax", "is_installed"]

# Importers that must keep the real JAX: zenax's back end, JAX itself, the PJRT plugins
# JAX discovers and imports, and the import machinery (importlib.util.find_spec imports
# a module's parent package: it must find JAX's, whose __path__ it then searches).
_REAL_JAX_IMPORTERS = re.compile(
    r"(zenax|jax|jaxlib|jax_plugins|jax_(cuda|rocm)\d*_(plugin|pjrt)|libtpu|importlib)(\.|$)")

_ALREADY_IMPORTED = """\
zenax.install_as_jax() was called after these modules (or their submodules) had
imported the real `jax`:
  {found}
They would keep running on JAX, not on zenax. Call zenax.install_as_jax() before
importing them (first line of the script), or run the script with
`python -m zenax run script.py` (tests: `pytest -p zenax.as_jax`)."""

# The functions the switch wraps, as found at install time. The wrappers stay callable
# (something may have wrapped them in turn), so after uninstall they pass straight through.
_wrapped: dict = {"import": builtins.__import__, "import_module": importlib.import_module}
_state = {"on": False}
# The views of JAX's internal modules bound as attributes of zenax's modules while the
# switch is on (``zenax.core``): (module, attribute name), removed by uninstalling.
_attached: list[tuple[types.ModuleType, str]] = []


def _is_jax(name: str) -> bool:
    return name == "jax" or name.startswith("jax.")


def _wants_real_jax(importer: str | None) -> bool:
    return importer is not None and _REAL_JAX_IMPORTERS.match(importer) is not None


def _zenax_module(jax_name: str) -> types.ModuleType:
    """zenax's counterpart of the JAX module ``jax_name`` (``"jax.numpy"`` ->
    ``zenax.numpy``): a submodule, or a module reached by attribute (``zenax.numpy.fft``
    lives inside the module ``zenax.numpy``)."""
    zenax_name = "zenax" + jax_name[len("jax"):]
    try:
        return importlib.import_module(zenax_name)
    except ModuleNotFoundError as e:
        if not (e.name and (zenax_name == e.name or zenax_name.startswith(e.name + "."))):
            raise  # a module zenax itself needs is missing: not ours to rename
    module = importlib.import_module("zenax")
    parts = jax_name.split(".")
    for i, part in enumerate(parts[1:], start=2):
        parent, module = module, getattr(module, part, None)
        if not isinstance(module, types.ModuleType):
            view = _internal_view(jax_name)
            if view is not None:
                if _state["on"]:
                    _attach(parent, part, _internal_view(".".join(parts[:i])))
                return view
            what = ("JAX's internal API" if part.startswith("_") and part != "__init__"
                    else "a part of JAX")
            raise ModuleNotFoundError(
                f"No module named {jax_name!r}: it is {what} that zenax does not provide "
                f"(zenax.install_as_jax() maps `import jax...` to zenax's modules)",
                name=jax_name)
    return module


def _internal_view(jax_name: str) -> types.ModuleType | None:
    """zenax's view of a JAX module outside the public API (``jax.core`` ->
    ``zenax.compat.core``), for the libraries that import one; None if there is none."""
    view_name = "zenax.compat" + jax_name[len("jax"):]
    try:
        return importlib.import_module(view_name)
    except ModuleNotFoundError as e:
        if e.name and (view_name == e.name or view_name.startswith(e.name + ".")):
            return None
        raise


def _attach(parent: types.ModuleType, name: str, view: types.ModuleType) -> None:
    """Make ``view`` the attribute ``name`` of zenax's module ``parent`` (``zenax.core``
    for ``jax.core``), as the import system binds a submodule in its package: code that
    ran ``import jax.core`` then reads ``jax.core.Tracer``. Undone by uninstalling."""
    if not parent.__name__.startswith("zenax.compat") and not hasattr(parent, name):
        setattr(parent, name, view)
        _attached.append((parent, name))


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    real = _wrapped["import"]
    if level or not _state["on"] or not _is_jax(name):
        return real(name, globals, locals, fromlist, level)
    if globals is None:  # a direct __import__("jax") call: ask the calling frame
        globals = sys._getframe(1).f_globals
    if _wants_real_jax(globals.get("__name__")):
        return real(name, globals, locals, fromlist, level)
    module = _zenax_module(name)
    if not fromlist:
        return importlib.import_module("zenax")  # `import jax.numpy` binds the package
    for attr in fromlist:  # `from jax.scipy import special` may name a submodule
        if attr != "*" and not hasattr(module, attr) and _is_jax_submodule(f"{name}.{attr}"):
            _zenax_module(f"{name}.{attr}")  # loads it, or says zenax lacks it
    return module  # a missing function or class: the caller raises Python's ImportError


def _is_jax_submodule(name: str) -> bool:
    """Whether the real JAX has a module ``name`` (asked without importing anything)."""
    parent, _, attr = name.rpartition(".")
    real_parent = sys.modules.get(parent)
    if isinstance(getattr(real_parent, attr, None), types.ModuleType):
        return True
    path = getattr(real_parent, "__path__", None)
    if real_parent is None and _is_jax(parent):  # `from jax.extend import x`, jax.extend
        spec = importlib.util.find_spec(parent)  # not loaded yet: where it is, not running it
        path = spec.submodule_search_locations if spec is not None else None
    return path is not None and importlib.machinery.PathFinder.find_spec(name, path) is not None


def _import_module(name: str, package: str | None = None) -> types.ModuleType:
    real = _wrapped["import_module"]
    if not _state["on"]:
        return real(name, package)
    absolute = importlib.util.resolve_name(name, package) if name.startswith(".") else name
    if _is_jax(absolute) and not _wants_real_jax(sys._getframe(1).f_globals.get("__name__")):
        return _zenax_module(absolute)
    return real(name, package)


def _offending_modules() -> list[str]:
    """Modules outside JAX and zenax that hold a reference to a real JAX module."""
    found = []
    for mod_name, mod in list(sys.modules.items()):
        if mod is None or _wants_real_jax(mod_name):
            continue
        try:
            values = list(vars(mod).values())
        except TypeError:
            continue
        if any(isinstance(v, types.ModuleType) and _is_jax(getattr(v, "__name__", "") or "")
               for v in values):
            found.append(mod_name)
    return sorted(found)


def _load_counterparts(zenax: types.ModuleType) -> None:
    """Import zenax's counterpart of every submodule that ``import jax`` makes an
    attribute (``jax.sharding`` needs no import of its own in JAX), and bind the views
    of the internal ones that have one (``jax.core``, ``jax._src``)."""
    import jax as real_jax
    for name, value in vars(real_jax).items():
        if not isinstance(value, types.ModuleType) or hasattr(zenax, name):
            continue
        if not name.startswith("_") and importlib.util.find_spec(f"zenax.{name}") is not None:
            importlib.import_module(f"zenax.{name}")
        else:
            view = _internal_view(f"jax.{name}")
            if view is not None:
                _attach(zenax, name, view)


# zenax's own version attributes, replaced while the switch is on: (module, name, value).
_replaced: list[tuple[types.ModuleType, str, object]] = []


def _report_jax_version(zenax: types.ModuleType) -> None:
    """Libraries choose code paths by ``jax.__version_info__`` (Flax: ``<= (0, 4, 33)``
    means JAX's old trace API; Equinox: ``>= (0, 5, 1)``), so while the switch is on,
    ``jax.__version__`` and ``jax.version.__version__`` give the version of the JAX API
    that zenax implements: the installed JAX's. Uninstalling gives zenax's own back."""
    import jax as real_jax
    for module in (zenax, zenax.version):
        for name in ("__version__", "__version_info__"):
            _replaced.append((module, name, getattr(module, name)))
            setattr(module, name, getattr(real_jax.version, name))


def is_installed() -> bool:
    """Whether ``import jax`` outside zenax and JAX currently gives zenax.

    >>> import zenax
    >>> zenax.as_jax.is_installed()
    False
    """
    return _state["on"]


def install_as_jax() -> None:
    """Make ``import jax`` (and ``jax.<submodule>``) in user code and third-party
    libraries give zenax's modules; zenax's back end and JAX itself keep the real JAX.

    Call it before anything imports ``jax``; it raises ``RuntimeError`` naming the
    modules that already hold the real one. Calling it again is a no-op.

    >>> import zenax
    >>> zenax.install_as_jax()
    >>> import jax.numpy as jnp
    >>> jnp is zenax.numpy
    True
    >>> zenax.uninstall_as_jax()
    """
    if is_installed():
        return
    found = _offending_modules()
    if found:
        packages = sorted({name.split(".")[0] for name in found})
        raise RuntimeError(_ALREADY_IMPORTED.format(found=", ".join(packages)))
    import zenax  # the modules the switch hands out must exist first
    _load_counterparts(zenax)
    _report_jax_version(zenax)
    if builtins.__import__ is not _import:
        _wrapped["import"] = builtins.__import__
        builtins.__import__ = _import
    if importlib.import_module is not _import_module:
        _wrapped["import_module"] = importlib.import_module
        importlib.import_module = _import_module
    _state["on"] = True


def uninstall_as_jax() -> None:
    """Undo :func:`install_as_jax`: later ``import jax`` statements give the real JAX
    again (modules imported in between keep the zenax modules they were given).

    >>> import zenax
    >>> zenax.install_as_jax()
    >>> zenax.uninstall_as_jax()
    >>> import jax
    >>> jax is zenax
    False
    """
    if not is_installed():
        return
    if builtins.__import__ is _import:
        builtins.__import__ = _wrapped["import"]
    if importlib.import_module is _import_module:
        importlib.import_module = _wrapped["import_module"]
    while _attached:
        module, name = _attached.pop()
        if name in vars(module):
            delattr(module, name)
    while _replaced:
        module, name, value = _replaced.pop()
        setattr(module, name, value)
    _state["on"] = False


# -- the pytest plugin (`pytest -p zenax.as_jax`) ---------------------------------------
# pytest's own implementation of this hook, the one that imports conftest.py files, is
# marked trylast, so this plain one runs first: before any conftest.py or test module.

def pytest_load_initial_conftests(early_config, parser, args) -> None:
    install_as_jax()


def pytest_unconfigure(config) -> None:
    uninstall_as_jax()
