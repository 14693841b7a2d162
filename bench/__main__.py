"""``python -m bench [jacobian] [remat] [--small] [--device cpu|gpu]``: run the named
benchmarks (all by default)."""
from __future__ import annotations

import argparse
import os

BENCHES = ("jacobian", "remat")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("names", nargs="*", metavar="name",
                    help=f"benchmarks to run, of {', '.join(BENCHES)} (default: all)")
    ap.add_argument("--small", action="store_true", help="small sizes, for a quick run")
    ap.add_argument("--reps", type=int, default=None, help="timed runs per function")
    ap.add_argument("--device", choices=("cpu", "gpu"), default=None,
                    help="JAX platform to run on (default: JAX's choice)")
    args = ap.parse_args(argv)
    for name in args.names:
        if name not in BENCHES:
            ap.error(f"unknown benchmark {name!r}; choose from {', '.join(BENCHES)}")
    if args.device:
        os.environ["JAX_PLATFORMS"] = "cuda" if args.device == "gpu" else "cpu"
    import jax
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}", flush=True)
    from bench import jacobian_modes, remat_memory
    runners = {"jacobian": jacobian_modes.run, "remat": remat_memory.run}
    for name in args.names or BENCHES:
        runners[name](small=args.small, reps=args.reps)
        print(flush=True)


if __name__ == "__main__":
    main()
