"""The model notebooks run top to bottom (small sizes, nbclient): RNN/LSTM/GRU on a
sequence task, and GPT pretraining followed by LoRA fine-tuning."""
import pathlib
import re

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow   # end to end: executes the model notebooks

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def run_notebook(name: str, monkeypatch) -> nbformat.NotebookNode:
    monkeypatch.setenv("ZENAX_EXAMPLES_SMALL", "1")   # the kernel inherits the environment
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    return nb


def outputs_text(nb) -> str:
    return "\n".join(out.get("text", "") or str(out.get("data", {}).get("text/plain", ""))
                     for cell in nb.cells for out in cell.get("outputs", []))


def count_images(nb) -> int:
    return sum("image/png" in out.get("data", {})
               for cell in nb.cells for out in cell.get("outputs", []))


def floats_after(text: str, pattern: str) -> list[float]:
    """The numbers captured by ``pattern``'s groups at its first match (``1,234`` too)."""
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in the notebook's output:\n{text}"
    return [float(g.replace(",", "")) for g in match.groups()]


NUM = r"([0-9.]+(?:e[-+]?\d+)?)"


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier; CI covers the models it runs
def test_rnn_sequence_notebook(monkeypatch):
    nb = run_notebook("rnn_sequence.ipynb", monkeypatch)
    text = outputs_text(nb)
    for name in ("LSTM", "GRU", "RNN"):
        first, last = floats_after(text, rf"{name}: loss {NUM} -> {NUM}")
        assert last < 0.3 * first and last < 0.05, (name, first, last)   # it learns
        one_step, _ = floats_after(
            text, rf"{name}: one-step test MSE {NUM}, free-running MSE over \d+ steps {NUM}")
        assert one_step < 0.05, (name, one_step)
    # The gradient through the scan equals jax.grad of the LSTM written with jax.lax.scan.
    assert "gradient through the scan: same as jax.grad" in text
    diffs = [float(d) for d in re.findall(r"max \|zenax - jax\| = (\S+)", text)]
    assert len(diffs) == 6 and max(diffs) < 1e-5, diffs
    zenax_loss, jax_loss = floats_after(text, rf"loss: zenax {NUM}, jax {NUM}")
    assert abs(zenax_loss - jax_loss) < 1e-6
    (n_scans,) = floats_after(text, r"scans in the jaxpr of grad\(loss\): (\d+)")
    assert n_scans >= 2   # the forward scan and the transposed one
    assert count_images(nb) >= 2   # loss curves, predictions vs targets


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier; CI covers the models it runs
def test_gpt_finetune_notebook(monkeypatch):
    nb = run_notebook("gpt_finetune.ipynb", monkeypatch)
    text = outputs_text(nb)
    # Pretraining beats the unigram baseline on held-out text.
    first, last, val_first, val_last, baseline = floats_after(
        text, rf"pretraining: loss {NUM} -> {NUM}, validation {NUM} -> {NUM} "
              rf"\(unigram baseline {NUM}\)")
    assert last < first - 1.0 and val_last < baseline < val_first, text
    assert text.count("-- sample") == 4
    # Only the adapters train, and they are a small fraction of the model.
    trainable, total = floats_after(
        text, r"trainable \(adapters\): ([\d,]+) of ([\d,]+) parameters")
    assert trainable < 0.2 * total
    ft_first, ft_last = floats_after(text, rf"fine-tuning: loss {NUM} -> {NUM}")
    assert ft_last < ft_first - 0.2, (ft_first, ft_last)
    identical, leaves = floats_after(
        text, r"frozen weights bit-identical after fine-tuning: (\d+) of (\d+) leaves")
    assert identical == leaves > 0
    changed, adapters = floats_after(text, r"adapter arrays changed by training: (\d+) of (\d+)")
    assert changed == adapters > 0
    # Merging keeps the logits; saving and reloading keeps them bit for bit.
    (merge_diff,) = floats_after(text, rf"max \|difference\| = {NUM}")
    assert merge_diff < 1e-4 and "merged logits equal the LoRA model's" in text
    assert ("reloaded merged model: identical logits True; "
            "reloaded adapters + frozen weights: identical logits True") in text
    assert count_images(nb) >= 2   # pretraining and fine-tuning loss plots
