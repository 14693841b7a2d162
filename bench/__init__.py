"""Benchmarks: each workload written once for zenax and once in JAX, run side by side in
one process, alternating, reporting medians, a table and one JSON line of ratios
(DESIGN.md §8).  ``python -m bench [name ...] [--small]``."""
