"""The examples run: scripts at small sizes, notebooks executed with nbclient."""
import os
import pathlib
import sys

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow   # end to end: executes the example scripts and notebooks

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def run_notebook(name: str, tmp_path) -> nbformat.NotebookNode:
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    os.environ["ZENAX_EXAMPLES_SMALL"] = "1"
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()
    return nb


def outputs_text(nb) -> str:
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", "") or str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


def test_forward_vs_reverse_script(tmp_path, capsys):
    sys.path.insert(0, str(EXAMPLES))
    try:
        import forward_vs_reverse
        rows = forward_vs_reverse.main(["--small", "--out", str(tmp_path)])
    finally:
        sys.path.remove(str(EXAMPLES))
    assert (tmp_path / "forward_vs_reverse.png").stat().st_size > 1000
    by_shape = {(r["n"], r["m"]): r for r in rows}
    assert by_shape[(4, 64)]["auto"] == "fwd"      # tall Jacobian: forward mode
    assert by_shape[(64, 4)]["auto"] == "rev"      # wide Jacobian: reverse mode
    out = capsys.readouterr().out
    assert "dot_general" in out and "jacfwd ms" in out


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier; CI runs this example's script
def test_forward_vs_reverse_notebook(tmp_path):
    nb = run_notebook("forward_vs_reverse.ipynb", tmp_path)
    text = outputs_text(nb)
    assert "lambda" in text and "jacfwd ms" in text
    assert any(o.get("output_type") == "display_data" or "image/png" in o.get("data", {})
               for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.slow
def test_inside_the_tracer_notebook(tmp_path):
    nb = run_notebook("inside_the_tracer.ipynb", tmp_path)
    text = outputs_text(nb)
    assert "lambda" in text and "[transposed]" in text and "[tangent]" in text
    assert "residuals saved for the backward pass" in text and "toposort:" in text
    assert "vjp / f:" in text and "| XLA cost_analysis" in text
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 3   # the graph of f, of its gradient, and the cost plot


@pytest.mark.slow
def test_grad_basics_notebook(tmp_path):
    nb = run_notebook("grad_basics.ipynb", tmp_path)
    text = outputs_text(nb)
    assert "same as jax.grad" in text and "dot_general" in text
    assert "jvp along v" in text and "Hessian" in text and "hits=2" in text
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier; CI covers its training loop (test_training.py)
def test_training_digits_notebook(tmp_path):
    nb = run_notebook("training_digits.ipynb", tmp_path)
    text = outputs_text(nb)
    assert "MLP: loss" in text and "CNN: loss" in text and "test digits misclassified" in text
    # Even the short run of the tests learns: test accuracy well above chance (0.1).
    for name in ("MLP", "CNN"):
        acc = float(text.split(f"{name}: loss")[1].split("test accuracy ")[1].split()[0])
        assert acc > 0.6, text
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 2


def test_gaussian_process_script_fits_as_jax(tmp_path, capsys):
    sys.path.insert(0, str(EXAMPLES))
    try:
        import gaussian_process
        results = gaussian_process.main(["--small", "--out", str(tmp_path)])
    finally:
        sys.path.remove(str(EXAMPLES))
    zx, jx = results["zenax"], results["jax"]
    assert zx["losses"][-1] < zx["losses"][0] - 10          # the likelihood improved
    np.testing.assert_allclose(zx["losses"], jx["losses"], rtol=2e-4, atol=2e-4)
    np.testing.assert_allclose(zx["theta"], jx["theta"], rtol=1e-3, atol=1e-4)
    assert (tmp_path / "gaussian_process.png").stat().st_size > 1000
    assert "lengthscale" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier; CI runs this example's script
def test_gaussian_process_notebook(tmp_path):
    nb = run_notebook("gaussian_process.ipynb", tmp_path)
    text = outputs_text(nb)
    assert "cholesky" in text and "max |theta_zenax - theta_jax|" in text
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
