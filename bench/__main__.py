"""``python -m bench [name ...] [--small] [--reps N] [--device cpu|gpu]``: run the named
benchmarks (all by default), each zenax vs JAX (and PyTorch where it applies), and -- unless
``--small`` -- record them in ``bench/results.json`` and ``bench/results.md``."""
from __future__ import annotations

import argparse
import os

BENCHES = ("gpt", "per_example", "jacobian", "hvp", "lstm", "cnn", "eager", "remat", "tracing",
           "linalg_fft", "scaling", "generation", "attention", "memory_budget")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("names", nargs="*", metavar="name",
                    help=f"benchmarks to run, of {', '.join(BENCHES)} (default: all)")
    ap.add_argument("--small", action="store_true",
                    help="small sizes, for a quick run (results are not recorded)")
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
    from bench import jacobian_modes, linalg_fft, remat_memory, scaling, tracing_scale
    from bench import attention, generation
    from bench import memory_budget
    from bench import (cnn_step, eager_dispatch, gpt_hvp, gpt_step, lstm_scan,
                       per_example_grads, results)
    runners = {"jacobian": jacobian_modes.run, "remat": remat_memory.run,
               "gpt": gpt_step.run, "per_example": per_example_grads.run, "hvp": gpt_hvp.run,
               "lstm": lstm_scan.run, "cnn": cnn_step.run, "eager": eager_dispatch.run,
               "tracing": tracing_scale.run, "linalg_fft": linalg_fft.run,
               "scaling": scaling.run, "generation": generation.run,
               "attention": attention.run, "memory_budget": memory_budget.run}
    summaries = {}
    for name in args.names or BENCHES:
        summaries[name] = runners[name](small=args.small, reps=args.reps)
        print(flush=True)
    if not args.small:
        results.write(summaries, BENCHES)


if __name__ == "__main__":
    main()
