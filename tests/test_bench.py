"""Smoke test of the benchmarks (``python -m bench <name> --small``).  No timing
assertions: only that the JSON line parses and carries its fields, and deterministic
facts (compiled memory sizes, the mode auto chooses)."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run_bench(name):
    proc = subprocess.run([sys.executable, "-m", "bench", name, "--small", "--reps", "3"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{")]
    assert len(lines) == 1, proc.stdout
    assert lines[0]["bench"] == name
    return lines[0]


@pytest.fixture(scope="module")
def jacobian_result():
    return _run_bench("jacobian")


@pytest.fixture(scope="module")
def remat_result():
    return _run_bench("remat")


def test_jacobian_fields(jacobian_result):
    r = jacobian_result
    assert r["small"] is True and "max_auto_over_best" in r
    assert {(c["n"], c["m"]) for c in r["cases"]} == {(16, 16), (16, 64), (64, 16), (64, 64)}
    for c in r["cases"]:
        for k in ("auto_mode", "auto_over_best", "fwd_vs_jax", "rev_vs_jax",
                  "auto_vs_jax_best"):
            assert k in c
        assert c["auto_over_best"] > 0 and c["fwd_vs_jax"] > 0


def test_jacobian_auto_mode_choice(jacobian_result):
    modes = {(c["n"], c["m"]): c["auto_mode"] for c in jacobian_result["cases"]}
    assert modes[(16, 64)] == "fwd"     # tall Jacobian: few inputs, many outputs
    assert modes[(64, 16)] == "rev"     # wide Jacobian: many inputs, few outputs


def test_remat_fields_and_memory(remat_result):
    r = remat_result
    assert set(r["workloads"]) == {"unrolled", "scan"}
    for w in r["workloads"].values():
        temp = w["temp_bytes"]
        assert set(temp) == {"zx_plain", "zx_remat", "jax_plain", "jax_remat"}
        assert all(isinstance(v, int) and v >= 0 for v in temp.values())
        for k in ("zx_remat_over_plain_mem", "jax_remat_over_plain_mem", "times_ms"):
            assert k in w
        # zenax's checkpoint must do for memory what jax.checkpoint does, on this backend.
        assert temp["zx_plain"] <= 1.1 * temp["jax_plain"]
        assert temp["zx_remat"] <= 1.1 * temp["jax_remat"]
        assert (temp["zx_remat"] < temp["zx_plain"]) == (temp["jax_remat"] < temp["jax_plain"])
    # Unrolled layers: XLA:CPU hoists the recomputation, so remat does not lower peak
    # memory on CPU (in JAX either).  Scanned layers: the scan's stacked residuals are real
    # buffers, and checkpointing the body must shrink them on every backend.
    scan = r["workloads"]["scan"]["temp_bytes"]
    assert scan["zx_remat"] < 0.6 * scan["zx_plain"]
