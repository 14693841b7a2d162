"""The results table: one row per measured metric (zenax, JAX, PyTorch, zenax/JAX, the
target), printed by each benchmark and collected by ``python -m bench`` into
``bench/results.json`` (every benchmark's JSON summary) and ``bench/results.md`` (the
markdown table the README shows)."""
from __future__ import annotations

import datetime
import json
import os
import platform

from bench._util import print_table

HERE = os.path.dirname(os.path.abspath(__file__))
JSON_PATH = os.path.join(HERE, "results.json")
MD_PATH = os.path.join(HERE, "results.md")


def row(workload: str, metric: str, unit: str, zenax: float, jax_: float,
        torch: float | None = None, target: float | None = None) -> dict:
    """One line of the results table.  ``ratio`` is zenax/JAX (and ``ratio_torch``
    zenax/PyTorch) of the metric as measured, so for times and memory lower is better and
    for throughputs (tokens/s, MFU) higher is; ``target`` is the issue's bound on
    ``ratio`` (times only)."""
    return {"workload": workload, "metric": metric, "unit": unit, "zenax": zenax,
            "jax": jax_, "torch": torch, "ratio": zenax / jax_ if jax_ else None,
            "ratio_torch": None if torch is None else zenax / torch, "target": target}


def layout_rows(workload: str, counts: dict[str, dict]) -> list[dict]:
    """Rows of the ``transpose`` and ``copy`` instructions in the compiled HLO of zenax's
    and JAX's programs (``counts[lib]`` from ``bench._machine.hlo_layout_ops``)."""
    return [row(workload, f"HLO {name} (compiled)", "count", counts["zenax"][key],
                counts["jax"][key])
            for name, key in (("transposes", "hlo_transposes"), ("copies", "hlo_copies"))]


def layout_summary(counts: dict[str, dict]) -> dict:
    """``{"hlo_transposes": {lib: n}, "hlo_copies": {lib: n}}`` for a benchmark's JSON."""
    return {key: {lib: c[key] for lib, c in counts.items()}
            for key in ("hlo_transposes", "hlo_copies")}


def _na(x):
    return "n/a" if x is None else x


def print_rows(rows: list[dict]) -> None:
    """A benchmark's rows as a plain-text table."""
    print_table(["metric", "unit", "zenax", "jax", "torch", "zx/jax", "zx/torch", "target"],
                [[r["metric"], r["unit"], r["zenax"], r["jax"], _na(r["torch"]), _na(r["ratio"]),
                  _na(r["ratio_torch"]), _na(r["target"])] for r in rows])


def _remat_rows(summary: dict) -> list[dict]:
    # bench/remat_memory.py reports its own fields; its headline is the compiled memory.
    rows = []
    for name, w in summary["workloads"].items():
        temp = w["temp_bytes"]
        for variant in ("plain", "remat"):
            rows.append(row("remat", f"{name} grad, {variant}: temp memory", "MiB",
                            temp[f"zx_{variant}"] / 2 ** 20, temp[f"jax_{variant}"] / 2 ** 20))
    return rows


def rows_of(name: str, summary: dict) -> list[dict]:
    """The table rows of a benchmark's summary (empty for one that reports none)."""
    if "rows" in summary:
        return summary["rows"]
    if name == "remat":
        return _remat_rows(summary)
    return []


def _cell(x) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.3g}" if abs(x) < 100 else f"{x:,.0f}"
    return str(x)


def _met(r: dict) -> str:
    if r["target"] is None or r["ratio"] is None:
        return ""
    return "yes" if r["ratio"] <= r["target"] else "**no**"


def markdown(results: dict) -> str:
    """``results.md``: where it ran, then one table row per metric."""
    env = results["environment"]
    lines = [
        "# zenax vs JAX (and PyTorch): benchmark results",
        "",
        f"Written by `python -m bench` on {env['when']}: jax {env['jax']} on "
        f"{env['platform']} ({env['device']}), PyTorch {env['torch'] or 'n/a'}, "
        f"{env['cpus']} CPUs, Python {env['python']}.  Each workload runs in one process, "
        "the libraries alternating; times are medians.  *zenax/JAX* below 1 means zenax "
        "is faster (for times and memory) -- for tokens/s and MFU above 1 means faster.  "
        "*target* is the issue's bound on zenax/JAX.  Details: `bench/results.json`.",
        "",
        "| workload | metric | unit | zenax | JAX | PyTorch | zenax/JAX | zenax/PyTorch "
        "| target | met |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, summary in results["benchmarks"].items():
        for r in rows_of(name, summary):
            lines.append(
                f"| {r['workload']} | {r['metric']} | {r['unit']} | {_cell(r['zenax'])} | "
                f"{_cell(r['jax'])} | {_cell(r['torch'])} | {_cell(r['ratio'])} | "
                f"{_cell(r['ratio_torch'])} | {_cell(r['target'])} | {_met(r)} |")
    return "\n".join(lines) + "\n"


def environment() -> dict:
    import jax

    from bench._machine import torch_version
    return {"when": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "jax": jax.__version__, "platform": jax.devices()[0].platform,
            "device": jax.devices()[0].device_kind, "torch": torch_version(),
            "cpus": os.cpu_count(), "python": platform.python_version()}


def write(summaries: dict[str, dict], order: tuple) -> None:
    """Merge this run's summaries into ``results.json`` (benchmarks not run this time keep
    their last results), listed in ``order``, and rewrite ``results.md`` from it."""
    results = {"benchmarks": {}}
    if os.path.exists(JSON_PATH):
        with open(JSON_PATH) as f:
            results = json.load(f)
    results["environment"] = environment()
    merged = {**results["benchmarks"], **summaries}
    results["benchmarks"] = {name: merged[name] for name in order if name in merged}
    with open(JSON_PATH, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    with open(MD_PATH, "w") as f:
        f.write(markdown(results))
    print(f"wrote {os.path.relpath(JSON_PATH)} and {os.path.relpath(MD_PATH)}", flush=True)
