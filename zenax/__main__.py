"""The ``zenax`` console script (also ``python -m zenax``).

- ``zenax demo``: the main job -- train a character-level GPT on the Python standard
  library's source with ``grad(loss)(params)`` in a jit-compiled loop, sample from it,
  compare forward and reverse mode, write a checkpoint and a loss plot
  (``zenax demo --help`` for its flags).
- ``zenax tour``: trace a small function, print its jaxpr, and take its gradient in
  forward and reverse mode, showing the jaxprs each produces.
- ``zenax run script.py [args]`` (or ``zenax run -m module [args]``): run a JAX program
  unchanged on zenax -- its ``import jax`` and those of the libraries it uses (Optax,
  ...) give zenax's modules (see ``zenax.as_jax``).
"""
from __future__ import annotations

import argparse
import os
import sys


def tour(args) -> int:
    import numpy as np

    import zenax
    import zenax.numpy as jnp

    def predict(w, b, x):
        return jnp.tanh(x @ w + b)

    def loss(w, b, x, y):
        return jnp.mean((predict(w, b, x) - y) ** 2)

    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 2)).astype(np.float32)
    b = np.zeros(2, np.float32)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    y = rng.standard_normal((4, 2)).astype(np.float32)

    print("== the function, traced into a jaxpr ==")
    print(zenax.make_jaxpr(loss)(w, b, x, y).pretty_print(source_info=args.source_lines))
    print("\n== run eagerly ==")
    print("loss =", loss(w, b, x, y))
    print("\n== reverse mode: grad(loss)(w, b, x, y) ==")
    g_w, g_b = zenax.grad(loss, argnums=(0, 1))(w, b, x, y)
    print("dloss/dw =\n", np.asarray(g_w))
    print("dloss/db =", np.asarray(g_b))
    print("\n== its jaxpr ==")
    print(zenax.make_jaxpr(zenax.grad(loss))(w, b, x, y))
    print("\n== forward mode: jacfwd gives the same gradient ==")
    j_w = zenax.jacfwd(loss)(w, b, x, y)
    print("max |jacfwd - grad| =", float(np.max(np.abs(np.asarray(j_w) - np.asarray(g_w)))))
    costs = zenax.transforms.mode_costs(lambda w: loss(w, b, x, y), w)
    print(f"FLOPs for the full gradient: forward mode {costs['forward']}, "
          f"reverse mode {costs['reverse']} (jacobian(mode='auto') picks the cheaper)")
    return 0


def run(args) -> int:
    import os
    import runpy

    from zenax.as_jax import install_as_jax

    if not args.module and not os.path.isfile(args.script):
        print(f"zenax run: error: can't open file {args.script!r}: no such file",
              file=sys.stderr)
        return 2
    install_as_jax()
    sys.argv = [args.script, *args.args]
    if args.module:
        runpy.run_module(args.script, run_name="__main__", alter_sys=True)
    else:
        # As `python script.py` does: the script's folder, not the cwd, leads sys.path.
        sys.path[0] = os.path.dirname(os.path.abspath(args.script))
        runpy.run_path(args.script, run_name="__main__")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (``zenax demo: error: ...``)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def main(argv=None) -> int:
    parser = _Parser(prog="zenax", description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    from zenax.models import demo
    p_demo = sub.add_parser("demo", help="train a char-level GPT on the stdlib's source",
                            description=demo.__doc__)
    demo.add_arguments(p_demo)
    p = sub.add_parser("tour", help="trace, print and run a small function and its gradient")
    p.add_argument("--source-lines", action="store_true",
                   help="annotate each equation with the source line that produced it")
    p_run = sub.add_parser("run", help="run a JAX script (and the libraries it imports) on zenax",
                           description="Run a Python program whose `import jax` statements, "
                           "and those of the libraries it uses, give zenax's modules.")
    p_run.add_argument("-m", dest="module", action="store_true",
                       help="SCRIPT is a module name, run as `python -m` would")
    p_run.add_argument("script", metavar="SCRIPT", help="the program's .py file (or module)")
    p_run.add_argument("args", nargs=argparse.REMAINDER, help="its command-line arguments")
    args = parser.parse_args(argv)
    if args.command == "demo":
        try:
            demo.validate(p_demo, args)
            demo.run(args)
        except KeyboardInterrupt:
            print("zenax demo: interrupted; the last completed checkpoint (if any) is intact",
                  file=sys.stderr)
            return 130
        except OSError as e:
            print(f"zenax demo: error: {e}", file=sys.stderr)
            return 1
        return 0
    if args.command == "tour":
        return tour(args)
    if args.command == "run":
        return run(args)
    return 2


def cli() -> None:
    """The console entry point (``zenax ...``, ``python -m zenax ...``): ``main``'s exit
    code.  After Ctrl-C the process ends at once, output flushed: XLA's threads may still
    be running a program, and tearing the interpreter down under them can crash it."""
    code = main()
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    sys.exit(code)


if __name__ == "__main__":
    cli()
