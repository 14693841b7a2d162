"""A griffe extension (``extensions:`` in ``mkdocs.yml``) that readies zenax for mkdocstrings.

* Docstrings: zenax's are written for ``help()`` and doctest -- bare ``>>>`` examples and
  reST's ``:func:`name``` roles.  Markdown would read ``>>>`` as nested quotes and the
  brackets of an output such as ``[Array(...)]`` as links, so each doctest block is fenced
  as a ``pycon`` code block and each role becomes a code span.
* Public names griffe cannot follow: a name whose object is JAX's or NumPy's own
  (``zenax.sharding.Mesh`` *is* ``jax.sharding.Mesh``) is an alias griffe could resolve
  only by loading that library whole; a name whose object says it lives somewhere
  griffe's tree does not have (``zenax.Array``'s class gives a qualified name of its own
  making), or a module file named like the function it holds (``lax/fft.py`` and
  ``lax.fft``), leads griffe astray.  Such names get an entry built from the runtime
  object instead: its signature, and its docstring when the object is zenax's own, or a
  line saying whose object it is (the site does not reprint another project's
  documentation).
* Attributes holding instances: see ``_plain_attribute``.  Line numbers: see
  ``on_module_instance``.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import pathlib
import re
import sys
import types

import griffe

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import gen_api  # noqa: E402

_ROLE = re.compile(r":(?:py:)?[a-z]+:`~?([^`]+)`")
_OWNERS = {"jax": "JAX", "jaxlib": "JAX", "numpy": "NumPy", "ml_dtypes": "ml_dtypes",
           "builtins": "Python"}


def markdown_docstring(text: str) -> str:
    """``text`` with doctest blocks fenced and reST roles turned into code spans."""
    out: list[str] = []
    in_example = False
    for line in text.splitlines():
        stripped = line.lstrip()
        if not in_example and stripped.startswith(">>>"):
            indent = line[:len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            in_example = True
        elif in_example and not stripped:
            out.append(f"{indent}```")
            in_example = False
        out.append(line if in_example else _ROLE.sub(r"`\1`", line))
    if in_example:
        out.append(f"{indent}```")
    return "\n".join(out)


def _owner(obj) -> tuple[str, str]:
    """(project, dotted path) of the object behind a public name."""
    target = obj if inspect.isclass(obj) or inspect.isroutine(obj) else type(obj)
    module = getattr(target, "__module__", None) or ""
    path = f"{module}.{getattr(target, '__qualname__', getattr(target, '__name__', '?'))}"
    top = module.split(".", 1)[0]
    return _OWNERS.get(top, "zenax" if top.startswith("zenax") else top), path


def _plain_attribute(attr: griffe.Attribute, value) -> None:
    """An attribute holding an instance of another library's class shows what it is:
    Python's ``__doc__`` of an instance is its class's (``zenax.numpy.e`` would read
    "Convert a string or number to a floating point number").  zenax's own helper objects
    (``jnp.c_``) keep their class's docstring, which documents them.  A default repr,
    with its memory address, is no value to show."""
    doc, owner = getattr(type(value), "__doc__", None), _owner(value)[0]
    if (attr.docstring is not None and owner != "zenax" and isinstance(doc, str)
            and attr.docstring.value == inspect.cleandoc(doc)):
        attr.docstring = griffe.Docstring(_docstring(value)) if owner != "Python" else None
    if isinstance(attr.value, str) and " at 0x" in attr.value:
        attr.value = None


def _docstring(obj, public_path: str | None = None) -> str:
    project, path = _owner(obj)
    if not (inspect.isclass(obj) or inspect.isroutine(obj)):
        return "" if project == "Python" else f"An instance of {project}'s `{path}`."
    path = public_path or path
    if project == "zenax":
        return markdown_docstring(inspect.getdoc(obj) or "")
    return f"{project}'s `{path}`, which zenax re-exports as it is."


def _parameters(fun) -> griffe.Parameters | None:
    try:
        signature = inspect.signature(fun)
    except (TypeError, ValueError):
        return None
    kinds = {inspect.Parameter.POSITIONAL_ONLY: griffe.ParameterKind.positional_only,
             inspect.Parameter.POSITIONAL_OR_KEYWORD:
                 griffe.ParameterKind.positional_or_keyword,
             inspect.Parameter.VAR_POSITIONAL: griffe.ParameterKind.var_positional,
             inspect.Parameter.KEYWORD_ONLY: griffe.ParameterKind.keyword_only,
             inspect.Parameter.VAR_KEYWORD: griffe.ParameterKind.var_keyword}
    return griffe.Parameters(*[
        griffe.Parameter(p.name, kind=kinds[p.kind],
                         default=None if p.default is p.empty else repr(p.default))
        for p in signature.parameters.values()])


def jax_name(path: str, obj) -> str | None:
    """JAX's public name for ``obj`` when zenax re-exports it under JAX's name
    (``zenax.sharding.Mesh`` -> ``jax.sharding.Mesh``, rather than ``jax._src.mesh.Mesh``)."""
    namespace, name = path.rsplit(".", 1)
    try:
        theirs = importlib.import_module("jax" + namespace[len("zenax"):])
    except ImportError:
        return None
    return f"{theirs.__name__}.{name}" if getattr(theirs, name, None) is obj else None


def runtime_entry(name: str, obj, public_path: str | None = None) -> griffe.Object:
    """A griffe object for ``obj`` built from what Python knows about it at run time
    (``public_path``: the name under which its owner documents it, if known)."""
    text = _docstring(obj, public_path)
    docstring = griffe.Docstring(text) if text else None
    if inspect.isclass(obj):
        return griffe.Class(name, docstring=docstring)
    if inspect.isroutine(obj) or isinstance(obj, functools.partial):
        parameters = _parameters(obj)
        if parameters is not None:
            return griffe.Function(name, parameters=parameters, docstring=docstring)
    value = repr(obj)
    shown = value if len(value) < 80 and " at 0x" not in value else None
    return griffe.Attribute(name, value=shown, docstring=docstring)


def _shadowed(member, obj) -> bool:
    """A module file named like the function it defines (``lax/fft.py`` holds ``lax.fft``)
    stands in griffe's tree where Python has the function."""
    return (member is not None and not member.is_alias and member.is_module
            and not isinstance(obj, types.ModuleType))


def _followable(member) -> bool:
    """Whether griffe's entry for a public name leads to the object's documentation."""
    if member is None:
        return False
    if not member.is_alias:
        return True
    if not member.target_path.startswith("zenax."):
        return False
    try:
        member.final_target
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return False
    return True


def _entry(path: str, obj, loader: griffe.GriffeLoader) -> griffe.Object | griffe.Alias:
    """An alias to the object's definition where griffe has it, else a runtime entry."""
    name = path.rsplit(".", 1)[1]
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and module.startswith("zenax") and qualname:
        try:
            loader.modules_collection[module].members[qualname]
        except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            pass
        else:
            return griffe.Alias(name, f"{module}.{qualname}")
    return runtime_entry(name, obj, jax_name(path, obj))


class ZenaxDocs(griffe.Extension):
    def on_module_instance(self, *, agent, **kwargs) -> None:
        # Line numbers only serve `show_source`, which the site leaves off, and finding them
        # (inspect.getsourcelines, which parses a module again for each class) took an
        # eighth of the build: without a file, the inspector skips them.
        if isinstance(agent, griffe.Inspector):
            agent.filepath = None

    def on_instance(self, *, node, obj: griffe.Object, **kwargs) -> None:
        if obj.is_attribute:
            _plain_attribute(obj, node.obj)
        if obj.docstring is not None:
            obj.docstring.value = markdown_docstring(obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs) -> None:
        if pkg.name != "zenax":
            return
        public = [(loader.modules_collection[namespace], f"{namespace}.{name}",
                   gen_api.resolve(f"{namespace}.{name}"))
                  for namespace, names in gen_api.namespaces().items() for name in names]
        # Shadowing modules first: replacing one cuts the aliases that lead through it.
        for module, path, obj in public:
            name = path.rsplit(".", 1)[1]
            if _shadowed(module.members.get(name), obj):
                module.set_member(name, runtime_entry(name, obj))
        for module, path, obj in public:
            name = path.rsplit(".", 1)[1]
            if not _followable(module.members.get(name)):
                module.set_member(name, _entry(path, obj, loader))
