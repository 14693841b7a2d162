"""The API reference: one page per public namespace, generated at build time.

The build's hook (``docs/hooks.py``) imports this module, which imports zenax and lists
every public name of every public namespace; the hook then hands mkdocs one generated
Markdown page per namespace: a ``::: zenax.numpy`` block for mkdocstrings with the
namespace's names as its ``members``.  ``tests/test_docs_site.py`` imports it for the
same lists, and checks that the built site has an entry for each name.
``python docs/gen_api.py [namespace]`` prints the counts (and that namespace's page).

Which namespaces are public:

* the roots below: ``zenax``, the mirrors of JAX's namespaces (``zenax.numpy``,
  ``zenax.lax``, ...), and zenax's own (``zenax.models``, ``zenax.optim``, ...);
* and, found from them, every module-valued public name that is a namespace in its own
  right: one whose JAX counterpart is a module (``zenax.scipy.stats.norm``, as
  ``jax.scipy.stats.norm``), or one that lives in the public layer ``zenax/`` (DESIGN.md:
  "public namespaces only").  The other modules a namespace happens to hold (``np``, or
  the implementation files of ``lax/`` such as ``zenax.lax.elementwise``) are not API:
  their names reach users through the namespaces.

The public names of a namespace are its ``__all__`` when it has one, else the names of
``dir()`` without a leading underscore; module-valued names are namespaces (their own
section) or are left out, as just said.

Why the build loads the code the way it does: griffe's static analysis cannot see most of
zenax's public names (tried, ``::: zenax.numpy`` rendered no member at all) --
``zenax.numpy`` is a ``from zenax.lax.jnp import *`` over an ``__all__`` computed at
import time, many functions are made by factories, and ``pyproject.toml`` maps ``lax/``,
``tracer/``, ``transforms/`` and ``models/`` into the package from outside ``zenax/``.  So
mkdocstrings inspects the imported modules (``force_inspection``), through a folder of
symbolic links that lays the package out as Python sees it (``package_tree`` in
``docs/hooks.py``); ``docs/griffe_zenax.py`` fills in the names griffe cannot follow.
"""
from __future__ import annotations

import functools
import importlib
import pathlib
import pkgutil
import re
import sys
import types

ROOT = pathlib.Path(__file__).resolve().parent.parent
PUBLIC_LAYER = ROOT / "zenax"

# (namespace, what it is) in the order of the site's navigation.
ROOTS = {
    "zenax": "transforms, devices, configuration: JAX's top-level names",
    "zenax.numpy": "NumPy's API with JAX's semantics (jax.numpy)",
    "zenax.lax": "primitives and structured control flow (jax.lax)",
    "zenax.random": "threefry PRNG keys and samplers (jax.random)",
    "zenax.nn": "activations, softmax, one_hot, initializers (jax.nn)",
    "zenax.scipy": "SciPy's API (jax.scipy)",
    "zenax.tree": "pytree utilities (jax.tree)",
    "zenax.tree_util": "pytree registration and paths (jax.tree_util)",
    "zenax.sharding": "meshes and shardings (jax.sharding)",
    "zenax.models": "modules, layers and architectures as pytrees",
    "zenax.models.gpt": "the GPT language model",
    "zenax.models.parallelism": "data, FSDP and tensor-parallel layouts of a GPT",
    "zenax.optim": "optimizers and schedules (Optax's vocabulary)",
    "zenax.losses": "loss functions",
    "zenax.training": "a jit'd training step",
    "zenax.io": "safetensors checkpoints",
    "zenax.data": "the bundled, download-free data",
    "zenax.graph": "the static-graph view of a jaxpr",
}

# Modules of the public layer that get no page, and why.
INTERNAL = {
    "zenax.config_options": "the option contexts it defines are zenax's top-level names",
    "zenax.compat": "the jax.* module views install_as_jax serves to JAX code, not an API",
    "zenax.__main__": "the command line, python -m zenax (see Getting started)",
}

# Namespaces whose sub-namespaces are sections of their page, not pages of their own.
SECTIONED = ("zenax.scipy.stats", "zenax.scipy.cluster", "zenax.scipy.sparse",
             "zenax.scipy.spatial", "zenax.example_libraries", "zenax.experimental")


def resolve(path: str):
    """The object a dotted public path names (``zenax.scipy.stats.norm.logpdf``): an
    attribute where the parent has one (``zenax.lax.fft`` is a function, though a module
    ``zenax.lax.fft`` exists too), else the module of that name."""
    if "." in path:
        parent, name = path.rsplit(".", 1)
        owner = resolve(parent)
        if hasattr(owner, name):
            return getattr(owner, name)
    return importlib.import_module(path)


def _jax_module(path: str) -> bool:
    try:
        importlib.import_module("jax" + path[len("zenax"):])
    except ImportError:
        return False
    return True


def _is_namespace(path: str, module: types.ModuleType) -> bool:
    if not module.__name__.startswith("zenax") or path in INTERNAL:
        return False
    file = getattr(module, "__file__", None)
    in_public_layer = file is not None and pathlib.Path(file).is_relative_to(PUBLIC_LAYER)
    return in_public_layer or _jax_module(path)


def _names(module: types.ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")
                 # `from __future__ import annotations` leaves a name behind
                 and getattr(module, n).__class__.__module__ != "__future__"]
    return sorted(set(names))


@functools.cache
def namespaces() -> dict[str, list[str]]:
    """Every public namespace, mapped to its public names (sub-namespaces left out)."""
    found: dict[str, list[str]] = {}
    layer = [f"zenax.{m.name}" for m in pkgutil.iter_modules([str(PUBLIC_LAYER)])]
    todo = list(ROOTS) + sorted(m for m in layer if m not in INTERNAL)
    while todo:
        path = todo.pop(0)
        if path in found:
            continue
        module = resolve(path)
        found[path] = []
        for name in _names(module):
            value = getattr(module, name)
            if isinstance(value, types.ModuleType):
                if _is_namespace(f"{path}.{name}", value):
                    todo.append(f"{path}.{name}")
            else:
                found[path].append(name)
    return found


def page_of(namespace: str) -> str:
    """The namespace whose page shows ``namespace`` (itself, or a SECTIONED parent)."""
    for parent in SECTIONED:
        if namespace.startswith(parent + "."):
            return parent
    return namespace


@functools.cache
def pages() -> dict[str, list[str]]:
    """Page namespace -> the namespaces it shows, in navigation order."""
    out: dict[str, list[str]] = {}
    for namespace in sorted(namespaces(), key=_nav_key):
        out.setdefault(page_of(namespace), []).append(namespace)
    return out


def _nav_key(namespace: str):
    order = list(ROOTS)
    root = max((r for r in order if namespace == r or namespace.startswith(r + ".")),
               key=len)
    # a root's sub-namespaces follow it, except zenax's, which are roots or pages of their own
    if root == "zenax" and namespace != "zenax":
        return (len(order), namespace)
    return (order.index(root), namespace)


def summary(namespace: str) -> str:
    """What a namespace is, in a few words: its line in ROOTS, else the first sentence of
    its docstring (without a leading ``zenax.name:``, reST roles as code spans)."""
    if namespace in ROOTS:
        return ROOTS[namespace]
    doc = (getattr(resolve(namespace), "__doc__", None) or "").strip()
    paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    sentence = re.split(r"(?<=\.)\s", paragraph, maxsplit=1)[0].rstrip(".")
    if sentence.startswith(("zenax.", "``zenax.")) and ":" in sentence:
        sentence = sentence.split(":", 1)[1].strip()
    sentence = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", sentence)
    return "" if sentence.strip("`") == namespace else sentence


def page_markdown(page: str) -> str:
    """The Markdown of one reference page: a heading, then one mkdocstrings block per
    namespace with its names as ``members``."""
    # mkdocstrings shows the module's docstring; a namespace without one gets its summary
    blurb = "" if getattr(resolve(page), "__doc__", None) else summary(page)
    lines = [f"# `{page}`", "", blurb[:1].upper() + blurb[1:] + "." if blurb else "", ""]
    for namespace in pages()[page]:
        names = namespaces()[namespace]
        lines += [f"::: {namespace}", "    options:",
                  f"      heading_level: {2 if namespace == page else 3}",
                  f"      show_root_heading: {'false' if namespace == page else 'true'}"]
        if names:
            lines += ["      members:"] + [f"        - {n}" for n in names]
        else:
            lines += ["      members: false"]
        lines.append("")
    return "\n".join(lines)


def page_uri(page: str) -> str:
    return f"api/{page}.md"


if __name__ == "__main__":
    found = namespaces()
    print(f"{len(found)} namespaces, {sum(map(len, found.values()))} names, "
          f"{len(pages())} pages")
    if sys.argv[1:]:
        print(page_markdown(sys.argv[1]))
