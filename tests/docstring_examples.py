"""JAX's own docstring examples as an oracle: run each ``>>>`` example under JAX and under
zenax, and compare what they print.

The examples are collected at test time from the installed ``jax`` (``inspect`` plus
``doctest``'s parser; nothing of JAX's text is stored here).  One function's examples run
in order in one namespace, as a reader would type them; the namespace binds ``jax``,
``jnp``, ``lax``, ``random``, ... either to JAX's modules or to zenax's.  An example's
outcome is what it printed (its value's repr, as the interactive prompt shows it) or the
kind of exception it raised.  Two outcomes agree when their text is the same once numbers
are compared within a float tolerance and runs of white space (which a number's width
moves) are ignored; dtypes, shapes and every other character must match exactly.

Run it by hand on some names while building a function::

    python tests/docstring_examples.py jax.numpy sort argsort searchsorted
    python tests/docstring_examples.py jax.numpy          # every name of a namespace
"""
from __future__ import annotations

import contextlib
import dataclasses
import doctest
import importlib
import inspect
import io
import math
import re
import sys
import tempfile
import traceback

import numpy as np

_PARSER = doctest.DocTestParser()

# The names an example may use, and the module each stands for.  The zenax side is the
# same table with "jax" replaced by "zenax" in the module path.
_BINDINGS = {
    "jax": "jax", "jnp": "jax.numpy", "lax": "jax.lax", "random": "jax.random",
    "nn": "jax.nn", "jsp": "jax.scipy", "scipy": "jax.scipy",
}
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?j?(?![\w.])"
                     r"|(?<![\w.])[-+]?(?:nan|inf)(?![\w.])")

_IMAGINARY_SIGN = re.compile(r"(?<=[\d.])([-+])(?=(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?j)")


@dataclasses.dataclass
class Outcome:
    kind: str       # "out" (printed text) or "raise" (exception type name)
    text: str


def examples_of(obj) -> list[doctest.Example]:
    """The ``>>>`` examples of ``obj``'s docstring (empty if it has none), less those its
    author marked ``# doctest: +SKIP`` (doctest does not run them either)."""
    doc = inspect.getdoc(obj) if obj is not None else None
    if not doc:
        return []
    try:
        examples = _PARSER.get_examples(doc)
    except ValueError:   # a malformed example block: nothing to run
        return []
    return [ex for ex in examples if not ex.options.get(doctest.SKIP)]


def _namespace(library: str) -> dict:
    ns = {"np": np, "numpy": np, "math": math}
    for name, module in _BINDINGS.items():
        path = module if library == "jax" else "zenax" + module[len("jax"):]
        try:
            ns[name] = importlib.import_module(path)
        except ImportError:
            pass
    if library == "zenax":
        # `import jax.numpy as jnp` inside an example must bind zenax's module too.
        ns["__builtins__"] = dict(__builtins__ if isinstance(__builtins__, dict)
                                  else vars(__builtins__))
        real_import = ns["__builtins__"]["__import__"]

        def zenax_import(name, globals=None, locals=None, fromlist=(), level=0):
            if name.startswith("jax._src."):   # JAX's private module: zenax's public one
                name = "jax." + name[len("jax._src."):]
            if name == "jax" or name.startswith("jax."):
                name = "zenax" + name[3:]
            return real_import(name, globals, locals, fromlist, level)
        ns["__builtins__"]["__import__"] = zenax_import
    return ns


def run_examples(examples: list[doctest.Example], library: str) -> list[Outcome]:
    """Each example's outcome, run in order in one fresh namespace bound to ``library``
    ("jax" or "zenax").  After the first exception an example was not written to raise,
    the rest of the examples are not run (they usually depend on it)."""
    ns = _namespace(library)
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        # Examples may write files (jnp.save): they land in a scratch folder, not the repo.
        _run_in_order(examples, ns, outcomes)
    return outcomes


def _run_in_order(examples, ns, outcomes) -> None:
    for ex in examples:
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf), np.printoptions(legacy=False):
                code = compile(ex.source, "<example>", "single")
                saved_hook = sys.displayhook
                sys.displayhook = lambda v: None if v is None else print(repr(v))
                try:
                    exec(code, ns)
                finally:
                    sys.displayhook = saved_hook
            outcomes.append(Outcome("out", buf.getvalue()))
        except Exception as e:  # noqa: BLE001 -- the exception's kind is the outcome
            outcomes.append(Outcome("raise", type(e).__name__))
            if ex.exc_msg is None:
                break


def _split(text: str) -> tuple[str, list[str]]:
    # A complex number's imaginary part is a signed number of its own ("1.-0.j"): split it
    # off so that a zero's sign, which the two libraries may compute differently, compares
    # as a number.
    text = _IMAGINARY_SIGN.sub(r" \1", text)
    numbers = _NUMBER.findall(text)
    skeleton = " ".join(_NUMBER.sub("#", text).split())
    skeleton = re.sub(r"\s*([\[\](),])\s*", r"\1", skeleton)
    return skeleton, numbers


def _close(a: str, b: str, rtol: float, atol: float) -> bool:
    if a.endswith("j") != b.endswith("j"):
        return False
    x, y = float(a.rstrip("j")), float(b.rstrip("j"))
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= atol + rtol * max(abs(x), abs(y))


def same_outcome(a: Outcome, b: Outcome, rtol: float = 2e-4, atol: float = 2e-6) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "raise":
        return a.text == b.text
    (sa, na), (sb, nb) = _split(a.text), _split(b.text)
    return sa == sb and len(na) == len(nb) and all(
        _close(x, y, rtol, atol) for x, y in zip(na, nb))


@dataclasses.dataclass
class Comparison:
    name: str
    examples: list
    jax: list
    zenax: list

    @property
    def agrees(self) -> bool:
        return len(self.jax) == len(self.zenax) and all(
            same_outcome(a, b) for a, b in zip(self.jax, self.zenax))

    def first_difference(self) -> str:
        for ex, a, b in zip(self.examples, self.jax, self.zenax):
            if not same_outcome(a, b):
                return (f"{self.name}: >>> {ex.source.strip()}\n  jax:   {a.kind} "
                        f"{a.text.strip()!r}\n  zenax: {b.kind} {b.text.strip()!r}")
        return (f"{self.name}: jax ran {len(self.jax)} examples, zenax "
                f"{len(self.zenax)}")


def public_names(namespace: str) -> list[str]:
    module = importlib.import_module(namespace)
    names = getattr(module, "__all__", None) or dir(module)
    return sorted(n for n in names if not n.startswith("_"))


def compare(namespace: str, name: str) -> Comparison | None:
    """Run the examples of ``<namespace>.<name>`` (a JAX path) under both libraries; None
    when it has no examples."""
    obj = getattr(importlib.import_module(namespace), name, None)
    examples = examples_of(obj)
    if not examples:
        return None
    return Comparison(f"{namespace}.{name}", examples, run_examples(examples, "jax"),
                      run_examples(examples, "zenax"))


def main(argv: list[str]) -> int:
    namespace, names = argv[0], argv[1:] or public_names(argv[0])
    agreed = total = 0
    for name in names:
        try:
            c = compare(namespace, name)
        except Exception:  # noqa: BLE001 -- a harness problem: show it, go on
            print(f"{namespace}.{name}: harness error\n{traceback.format_exc()}")
            continue
        if c is None:
            continue
        total += 1
        if c.agrees:
            agreed += 1
        else:
            print(c.first_difference())
    print(f"{agreed}/{total} functions' examples agree")
    return 0 if agreed == total else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
