"""The main job: ``python -m zenax demo`` (the README's first command) end to end at a
tiny size -- the loss falls, a loadable checkpoint and a PNG plot are written."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from zenax import io

pytestmark = pytest.mark.slow   # end to end: runs the demo and the tour as subprocesses

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_demo_trains_and_writes_checkpoint_and_plot(tmp_path):
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "zenax", "demo", "--steps", "60", "--layers", "1",
         "--d-model", "32", "--heads", "2", "--seq-len", "32", "--batch-size", "8",
         "--corpus-chars", "60000", "--eval-every", "30", "--sample-chars", "20",
         "--out", str(out), "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = proc.stdout
    for part in ("sample before training", "sample after training", "forward vs reverse",
                 "checkpoint:", "loss plot:"):
        assert part in text, text

    summary = json.loads((out / "summary.json").read_text())
    val = [v for _, v in summary["val_loss"]]
    assert val[-1] < val[0] - 1.0                 # from ~ln(256) = 5.5 down
    assert summary["train_loss_last"] < summary["train_loss_first"]

    # The checkpoint restores into a tree with the trained parameters' names.
    ckpt = summary["checkpoint"]
    assert os.path.exists(ckpt)
    tensors = io.load_safetensors_dict(ckpt)
    assert any(name.startswith("params.") for name in tensors)
    assert any(name.startswith("opt_state") for name in tensors)
    assert all(np.all(np.isfinite(np.asarray(v))) for v in tensors.values()
               if np.issubdtype(np.asarray(v).dtype, np.floating))

    png = out / "loss.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000

    # Forward and reverse mode agree on the directional derivative; reverse mode's
    # gradient costs a small multiple of the loss, forward mode's a multiple per parameter.
    fvr = summary["forward_vs_reverse"]
    assert abs(fvr["jvp_along_v"] - fvr["grad_dot_v"]) <= 1e-4 * (1 + abs(fvr["grad_dot_v"]))
    assert fvr["flops_grad"] < 5 * fvr["flops_loss"]
    assert fvr["flops_forward_mode_gradient"] > 100 * fvr["flops_grad"]


def test_tour_runs():
    proc = subprocess.run([sys.executable, "-m", "zenax", "tour"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "{ lambda" in proc.stdout and "dloss/dw" in proc.stdout
