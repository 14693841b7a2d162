"""examples/optax_gpt.py (issue 22): one JAX + Optax training script, run as ``python
script.py`` on JAX and as ``python -m zenax run script.py`` on zenax, prints the same
losses; its notebook runs too (full tier)."""
import numpy as np
import pytest

from test_client_examples import _run_on_both
from test_examples import outputs_text, run_notebook


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier for now (CI budget): runs the script on both back ends
def test_optax_gpt_prints_the_same_losses_on_zenax_as_on_jax():
    jx, zx = _run_on_both("optax_gpt.py")
    assert (jx["backend"], zx["backend"]) == ("jax", "zenax")
    assert zx["losses"][-1] < zx["losses"][0] - 1.0   # it learns
    np.testing.assert_allclose(zx["losses"], jx["losses"], rtol=1e-4)
    np.testing.assert_allclose([zx["final_loss"], zx["val_loss"]],
                               [jx["final_loss"], jx["val_loss"]], rtol=1e-4)


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier; CI runs the script on both back ends above
def test_optax_gpt_notebook(tmp_path):
    nb = run_notebook("optax_gpt.ipynb", tmp_path)
    text = outputs_text(nb)
    assert "running on zenax" in text and "running on jax" in text
    zx = float(text.split("zenax final train loss ")[1].split()[0])
    jx = float(text.split("jax final train loss ")[1].split()[0])
    np.testing.assert_allclose(zx, jx, rtol=1e-4)
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
