"""Data that needs no download: a text corpus from the Python standard library's own
source files, a byte-level tokenizer, batching, and scikit-learn's bundled digits.

Batches are made on the host with NumPy (as a data loader does); the model side receives
plain arrays.

>>> text = stdlib_corpus(max_chars=10_000)
>>> tokens = encode(text)
>>> train, val = split(tokens, val_fraction=0.1)
>>> x, y = next(batches(train, batch_size=4, seq_len=32, seed=0))
>>> x.shape, y.shape, bool((x[:, 1:] == y[:, :-1]).all())
((4, 32), (4, 32), True)
"""
from __future__ import annotations

import math
import os
import sysconfig
from typing import Iterator

import numpy as np

# Modules whose source makes the default corpus: plain, well-commented Python that ships
# with every CPython install.  A fixed list in a fixed order, so the corpus is the same
# on every machine with the same Python version.
CORPUS_MODULES = (
    "textwrap.py", "string.py", "heapq.py", "bisect.py", "fractions.py", "queue.py",
    "shlex.py", "fnmatch.py", "glob.py", "colorsys.py", "difflib.py", "calendar.py",
    "functools.py", "copy.py", "dataclasses.py", "argparse.py", "statistics.py",
    "random.py", "pprint.py", "csv.py", "configparser.py", "decimal.py",
)

VOCAB_SIZE = 256  # byte-level: every UTF-8 byte is a token


def stdlib_corpus(max_chars: int | None = None) -> str:
    """The embedded default corpus: the source of :data:`CORPUS_MODULES`, concatenated.

    ``max_chars`` truncates it (for quick runs).  About 1 MB of text in full.
    """
    root = sysconfig.get_paths()["stdlib"]
    parts = []
    for name in CORPUS_MODULES:
        path = os.path.join(root, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                parts.append(f"# ---- {name} ----\n" + f.read())
    if not parts:
        raise FileNotFoundError(
            f"stdlib_corpus found none of its source files under {root!r}; this Python "
            "install ships without its standard library's .py sources. Pass your own text "
            "to encode() instead.")
    text = "\n".join(parts)
    return text if max_chars is None else text[:max_chars]


def encode(text: str) -> np.ndarray:
    """Text to byte-level token ids (``uint8`` values as ``int32``)."""
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int32)


def decode(tokens) -> str:
    """Token ids back to text (invalid UTF-8 sequences become U+FFFD)."""
    return bytes(np.asarray(tokens, dtype=np.uint8).tolist()).decode("utf-8",
                                                                     errors="replace")


def split(tokens: np.ndarray, val_fraction: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Split a token stream into leading train and trailing validation parts."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"split: val_fraction must be in (0, 1), got {val_fraction}.")
    n_val = max(1, int(len(tokens) * val_fraction))
    return tokens[:-n_val], tokens[-n_val:]


def batches(tokens: np.ndarray, batch_size: int, seq_len: int, *,
            seed: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Endless random windows ``(inputs, targets)``, both ``int32[batch_size, seq_len]``;
    ``targets`` is ``inputs`` shifted by one token (next-token prediction)."""
    if len(tokens) <= seq_len + 1:
        raise ValueError(f"batches: the token stream ({len(tokens)} tokens) must be longer "
                         f"than seq_len + 1 = {seq_len + 1}.")
    rng = np.random.default_rng(seed)
    offsets = np.arange(seq_len + 1)
    while True:
        starts = rng.integers(0, len(tokens) - seq_len - 1, size=batch_size)
        window = tokens[starts[:, None] + offsets]
        yield window[:, :-1], window[:, 1:]


def unigram_loss(train: np.ndarray, val: np.ndarray, vocab_size: int = VOCAB_SIZE) -> float:
    """Cross-entropy (nats per token) on ``val`` of the unigram distribution of ``train``
    (add-one smoothed): the loss of a model that ignores context.  A language model
    should beat it by a wide margin."""
    counts = np.bincount(train, minlength=vocab_size).astype(np.float64) + 1.0
    logp = np.log(counts / counts.sum())
    return float(-logp[val].mean())


def digits(test_fraction: float = 0.2, seed: int = 0):
    """scikit-learn's bundled 8x8 digits (1,797 images, no download), as
    ``(x_train, y_train, x_test, y_test)``: ``float32[n, 8, 8, 1]`` in [0, 1] (NHWC) and
    ``int32[n]`` labels."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError("digits() needs scikit-learn: pip install scikit-learn") from e
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[..., None]
    y = d.target.astype(np.int32)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(math.ceil(len(y) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]
