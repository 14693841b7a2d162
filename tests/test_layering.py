"""The import layering of DESIGN.md §2: tracer <- lax <- transforms <- models <- zenax.

Each layer may import only from the layers below it (and from outside libraries); a
module in tracer/ importing zenax.lax, for example, is a layering violation.  We read the
import statements of every source file (static check, so lazy imports are caught too).
"""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
LAYERS = ["tracer", "lax", "transforms", "models", "zenax"]
PACKAGE_OF = {"tracer": "zenax.tracer", "lax": "zenax.lax", "transforms": "zenax.transforms",
              "models": "zenax.models"}


def _layer_of_module(name: str):
    for layer, pkg in PACKAGE_OF.items():
        if name == pkg or name.startswith(pkg + "."):
            return layer
    if name == "zenax" or name.startswith("zenax."):
        return "zenax"
    return None


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from zenax import lax` imports zenax.lax: judge the imported names.
            for alias in node.names:
                yield f"{node.module}.{alias.name}"


def test_each_layer_imports_only_from_layers_below():
    violations = []
    for i, layer in enumerate(LAYERS):
        allowed = set(LAYERS[: i + 1])
        for path in (ROOT / layer).rglob("*.py"):
            for mod in _imports(path):
                target = _layer_of_module(mod)
                if target is not None and target not in allowed:
                    violations.append(f"{path.relative_to(ROOT)} imports {mod} ({target})")
    assert not violations, "\n".join(violations)


def test_no_jax_transforms_inside_the_package():
    """JAX is the back end only: no jax.grad/vjp/jvp/vmap/... anywhere in the package, and
    no reach into JAX's tracing machinery (``jax.core``, ``jax.interpreters``,
    ``jax.extend``, ``jax._src``) by import, attribute or import-by-name.  (The views in
    ``zenax/compat`` *name* those modules in their docstrings: they are what ``import
    jax.core`` gives under ``zenax.install_as_jax()``, built from zenax's own classes.)"""
    banned = {"grad", "vjp", "jvp", "linearize", "vmap", "jacfwd", "jacrev", "hessian",
              "checkpoint", "remat", "custom_jvp", "custom_vjp", "make_jaxpr", "eval_shape",
              "value_and_grad", "pmap", "linear_transpose", "custom_gradient",
              "closure_convert", "custom_batching",
              # JAX's tracing machinery: zenax has its own tracers and traces.
              "core", "interpreters", "extend"}
    found = []
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in banned | {"_src"} and \
                        isinstance(node.value, ast.Name) and node.value.id == "jax":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} jax.{node.attr}")
                # importlib.import_module("jax.core"), __import__("jax._src.x"): by name.
                if isinstance(node, ast.Call) and node.args and \
                        isinstance(node.args[0], ast.Constant) and \
                        isinstance(node.args[0].value, str) and \
                        getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                            "import_module", "__import__"):
                    parts = node.args[0].value.split(".")
                    if parts[0] == "jax" and len(parts) > 1 and parts[1] in banned | {"_src"}:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} "
                                     f"import_module({node.args[0].value!r})")
                modules = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                           [node.module] if isinstance(node, ast.ImportFrom) and node.module
                           else [])
                for module in modules:    # import jax.core, from jax._src.x import ...
                    parts = module.split(".")
                    if parts[0] == "jax" and len(parts) > 1 and parts[1] in banned | {"_src"}:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} import {module}")
                if isinstance(node, ast.ImportFrom) and node.module and \
                        node.module.split(".")[0] == "jax":
                    for alias in node.names:
                        if alias.name in banned:
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno} "
                                         f"from {node.module} import {alias.name}")
    assert not found, "\n".join(found)


def test_layering_test_sees_every_source_folder():
    for layer in LAYERS:
        assert list((ROOT / layer).rglob("*.py")), layer
