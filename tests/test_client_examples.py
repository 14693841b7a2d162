"""The issue-22 examples that train a model with a JAX library (Flax NNX, Equinox): each
script runs as ``python script.py`` on JAX and as ``python -m zenax run script.py`` on
zenax, and the two print the same metrics; their notebooks run too (full tier)."""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from test_examples import outputs_text, run_notebook

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _start(script: str, *launcher: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *launcher, str(EXAMPLES / script), "--tiny",
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, JAX_PLATFORMS="cpu"))


def _metrics(proc: subprocess.Popen) -> dict:
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{stdout}\n{stderr}"
    return json.loads(stdout.strip().splitlines()[-1])


def _run_on_both(script: str) -> tuple[dict, dict]:
    """The script's metrics on JAX and on zenax (both runs at once: each is mostly
    start-up and compilation)."""
    procs = {"jax": _start(script), "zenax": _start(script, "-m", "zenax", "run")}
    try:
        return _metrics(procs["jax"]), _metrics(procs["zenax"])
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier for now (CI budget): runs the script on both back ends
def test_flax_nnx_mlp_prints_the_same_metrics_on_zenax_as_on_jax():
    jx, zx = _run_on_both("flax_nnx_mlp.py")
    assert (jx["backend"], zx["backend"]) == ("jax", "zenax")
    assert zx["losses"][-1] < zx["losses"][0] - 0.3   # it learns
    np.testing.assert_allclose(zx["losses"], jx["losses"], rtol=1e-4)
    np.testing.assert_allclose(
        [zx["final_loss"], zx["train_accuracy"], zx["test_accuracy"]],
        [jx["final_loss"], jx["train_accuracy"], jx["test_accuracy"]], rtol=1e-4)


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier; CI runs the script on both back ends above
def test_flax_nnx_mlp_notebook(tmp_path):
    nb = run_notebook("flax_nnx_mlp.ipynb", tmp_path)
    text = outputs_text(nb)
    assert "running on zenax" in text and "running on jax" in text
    zx = float(text.split("zenax test accuracy ")[1].split()[0])
    jx = float(text.split("jax test accuracy ")[1].split()[0])
    np.testing.assert_allclose(zx, jx, rtol=1e-4)
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier for now (CI budget): runs the script on both back ends
def test_equinox_cnn_prints_the_same_metrics_on_zenax_as_on_jax():
    jx, zx = _run_on_both("equinox_cnn.py")
    assert (jx["backend"], zx["backend"]) == ("jax", "zenax")
    assert zx["losses"][-1] < zx["losses"][0] - 0.1   # it learns
    np.testing.assert_allclose(zx["losses"], jx["losses"], rtol=1e-4)
    np.testing.assert_allclose(
        [zx["final_loss"], zx["train_accuracy"], zx["test_accuracy"]],
        [jx["final_loss"], jx["train_accuracy"], jx["test_accuracy"]], rtol=1e-4)


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier; CI runs the script on both back ends above
def test_equinox_cnn_notebook(tmp_path):
    nb = run_notebook("equinox_cnn.ipynb", tmp_path)
    text = outputs_text(nb)
    assert "running on zenax" in text and "running on jax" in text
    zx = float(text.split("zenax final train loss ")[1].split("test accuracy ")[1].split()[0])
    jx = float(text.split("jax final train loss ")[1].split("test accuracy ")[1].split()[0])
    np.testing.assert_allclose(zx, jx, rtol=1e-4)
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
