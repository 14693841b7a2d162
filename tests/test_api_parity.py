"""zenax's public API against the installed JAX's, name by name and signature by signature.

For every namespace of JAX that zenax mirrors (``jax.numpy`` -> ``zenax.numpy``, ...), each
public name of JAX must exist in zenax, and a function zenax has must accept every
parameter JAX's accepts (by name, so keyword calls written for JAX work).  Two files say
what is not so, and why:

* ``api_scope.toml`` -- reviewed: names zenax leaves out for good (JAX internals, platform
  plumbing, deprecated aliases), one reason each;
* ``api_pending.toml`` -- the work still to do, per namespace, with the issue that builds
  it.  Regenerate it after building something: ``python tests/test_api_parity.py``
  (``--coverage`` prints the README's coverage table).

A name missing from zenax and from both files fails the test, and so does a listed name
zenax now has (the lists stay exact: they show precisely what is left).
"""
from __future__ import annotations

import importlib
import inspect
import pathlib
import pkgutil
import sys
import tomllib

import pytest

pytestmark = pytest.mark.all_cases

HERE = pathlib.Path(__file__).parent
SCOPE_FILE, PENDING_FILE = HERE / "api_scope.toml", HERE / "api_pending.toml"

# JAX's namespace -> the issue that builds zenax's mirror of it (for api_pending.toml).
NAMESPACES = {
    "jax": 24, "jax.numpy": 20, "jax.numpy.linalg": 23, "jax.numpy.fft": 23,
    "jax.lax": 24, "jax.lax.linalg": 23, "jax.nn": 21, "jax.nn.initializers": 21,
    "jax.random": 21, "jax.tree": 24, "jax.tree_util": 24, "jax.ad_checkpoint": 24,
    "jax.sharding": 25, "jax.distributed": 25, "jax.dtypes": 24, "jax.debug": 24,
    "jax.scipy.special": 21, "jax.scipy.stats": 21, "jax.scipy.linalg": 23,
    "jax.scipy.signal": 21, "jax.scipy.fft": 23, "jax.scipy.integrate": 21,
    "jax.scipy.interpolate": 21, "jax.scipy.ndimage": 21, "jax.scipy.optimize": 21,
    "jax.scipy.cluster": 21, "jax.scipy.sparse": 21, "jax.scipy.sparse.linalg": 23,
    "jax.image": 24, "jax.flatten_util": 24,
    "jax.custom_derivatives": 24, "jax.errors": 24, "jax.stages": 24, "jax.typing": 24,
}


# A package lists a submodule among its names once something has imported it: import every
# public submodule of jax first (but the TPU/profiler tools), so what ``jax`` has does not
# depend on which tests ran before.
for _sub in pkgutil.iter_modules(importlib.import_module("jax").__path__):
    if not _sub.name.startswith("_") and _sub.name not in ("cloud_tpu_init", "collect_profile",
                                                            "tools"):
        importlib.import_module(f"jax.{_sub.name}")
for _namespace in NAMESPACES:
    importlib.import_module(_namespace)


def zenax_path(namespace: str) -> str:
    return "zenax" + namespace[len("jax"):]


def public_names(module) -> set[str]:
    return {n for n in dir(module) if not n.startswith("_")}


def zenax_module(namespace: str):
    try:
        return importlib.import_module(zenax_path(namespace))
    except ImportError:
        return None


def missing_names(namespace: str) -> set[str]:
    jax_module = importlib.import_module(namespace)
    ours = zenax_module(namespace)
    have = public_names(ours) if ours is not None else set()
    return public_names(jax_module) - have


def _parameters(fun):
    try:
        return inspect.signature(fun).parameters
    except (TypeError, ValueError):
        return None


def signature_gaps(namespace: str) -> set[str]:
    """``name(param)`` for each parameter of a JAX function that zenax's function of the
    same name does not accept by that name (positional-only ones have no name to use)."""
    jax_module, ours = importlib.import_module(namespace), zenax_module(namespace)
    if ours is None:
        return set()
    gaps = set()
    for name in public_names(jax_module) & public_names(ours):
        theirs, mine = getattr(jax_module, name), getattr(ours, name)
        if inspect.isclass(theirs) or inspect.ismodule(theirs) or not callable(theirs):
            continue
        jp, zp = _parameters(theirs), _parameters(mine)
        if jp is None or zp is None or any(p.kind == p.VAR_KEYWORD for p in zp.values()):
            continue
        gaps |= {f"{name}({p})" for p, info in jp.items()
                 if p not in zp and info.kind not in (info.POSITIONAL_ONLY, info.VAR_POSITIONAL,
                                                      info.VAR_KEYWORD)}
    return gaps


def _load(path: pathlib.Path) -> dict:
    return tomllib.loads(path.read_text()) if path.exists() else {}


SCOPE = _load(SCOPE_FILE)
PENDING = _load(PENDING_FILE)


def _listed(table: dict, namespace: str, key: str) -> set[str]:
    return set(table.get(namespace, {}).get(key, []))


def out_of_scope(namespace: str) -> set[str]:
    return set(SCOPE.get(namespace, {}))


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_public_name_exists_or_is_listed(namespace):
    missing = missing_names(namespace)
    scope, pending = out_of_scope(namespace), _listed(PENDING, namespace, "missing")
    unlisted = missing - scope - pending
    assert not unlisted, (
        f"{namespace}: {sorted(unlisted)} exist in JAX but not in {zenax_path(namespace)}; "
        f"build them, or list them with a reason in {SCOPE_FILE.name}")
    stale = (scope | pending) - missing
    assert not stale, (f"{namespace}: {sorted(stale)} are listed as missing but exist now; "
                       f"run `python tests/test_api_parity.py` to update {PENDING_FILE.name}")


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_function_takes_jax_parameters(namespace):
    gaps = signature_gaps(namespace)
    pending = _listed(PENDING, namespace, "signatures")
    assert not gaps - pending, (
        f"{namespace}: zenax's functions do not accept these parameters of JAX's: "
        f"{sorted(gaps - pending)}")
    assert not pending - gaps, (f"{namespace}: {sorted(pending - gaps)} are accepted now; "
                                f"run `python tests/test_api_parity.py` to update")


def test_scope_entries_have_reasons():
    for namespace, entries in SCOPE.items():
        assert namespace in NAMESPACES, namespace
        for name, reason in entries.items():
            assert isinstance(reason, str) and len(reason) > 10, (namespace, name)


def write_pending() -> None:
    """Rewrite api_pending.toml from what is missing today (the reviewed scope excluded)."""
    lines = ["# What zenax does not have yet of JAX's public API, per namespace, and the "
             "issue that", "# builds it.  Generated by `python tests/test_api_parity.py`; "
             "do not edit by hand.", ""]
    for namespace, issue in NAMESPACES.items():
        missing = sorted(missing_names(namespace) - out_of_scope(namespace))
        gaps = sorted(signature_gaps(namespace))
        if not missing and not gaps:
            continue
        lines.append(f'["{namespace}"]  # issue {issue}')
        for key, names in (("missing", missing), ("signatures", gaps)):
            if names:
                lines.append(f"{key} = [")
                lines += [f'  "{n}",' for n in names]
                lines.append("]")
        lines.append("")
    PENDING_FILE.write_text("\n".join(lines))
    print(f"wrote {PENDING_FILE}")


def coverage_table() -> str:
    """A Markdown table of how much of each namespace zenax has (for the README)."""
    rows = ["| JAX namespace | names in JAX | in zenax | left out (reviewed) |",
            "|---|---:|---:|---:|"]
    for namespace in NAMESPACES:
        total = len(public_names(importlib.import_module(namespace)))
        missing, scope = missing_names(namespace), out_of_scope(namespace)
        rows.append(f"| `{namespace}` | {total} | {total - len(missing)} | "
                    f"{len(scope & missing)} |")
    return "\n".join(rows)


if __name__ == "__main__":
    if sys.argv[1:] == ["--coverage"]:
        print(coverage_table())
    else:
        write_pending()
