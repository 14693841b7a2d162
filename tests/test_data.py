"""zenax.data: the embedded corpus, byte tokens, batches, the unigram baseline, digits."""
import numpy as np
import pytest

from zenax import data


def test_corpus_is_deterministic_python_source():
    text = data.stdlib_corpus()
    assert len(text) > 200_000
    assert text == data.stdlib_corpus()
    assert "def " in text and "# ---- textwrap.py ----" in text
    assert data.stdlib_corpus(max_chars=1000) == text[:1000]


def test_encode_decode_round_trip():
    s = "def f(x):\n    return x + 1  # ünïcode"
    tokens = data.encode(s)
    assert tokens.dtype == np.int32 and tokens.max() < data.VOCAB_SIZE
    assert data.decode(tokens) == s


def test_batches_are_shifted_windows():
    tokens = np.arange(1000, dtype=np.int32)
    it = data.batches(tokens, batch_size=8, seq_len=16, seed=3)
    x, y = next(it)
    assert x.shape == y.shape == (8, 16)
    np.testing.assert_array_equal(y, x + 1)            # consecutive windows of the stream
    x2, _ = next(data.batches(tokens, batch_size=8, seq_len=16, seed=3))
    np.testing.assert_array_equal(x, x2)               # same seed, same batches
    with pytest.raises(ValueError, match="seq_len"):
        next(data.batches(tokens[:10], batch_size=2, seq_len=16))


def test_split_and_unigram_baseline():
    tokens = data.encode(data.stdlib_corpus(max_chars=50_000))
    train, val = data.split(tokens, 0.1)
    assert len(train) + len(val) == len(tokens) and len(val) == 5000
    # The unigram loss is the cross-entropy of smoothed train frequencies on val.
    counts = np.bincount(train, minlength=256) + 1.0
    expected = -np.mean(np.log(counts / counts.sum())[val])
    assert data.unigram_loss(train, val) == pytest.approx(expected)
    assert data.unigram_loss(train, val) < np.log(256)
    with pytest.raises(ValueError, match="val_fraction"):
        data.split(tokens, 1.5)


def test_digits():
    x_tr, y_tr, x_te, y_te = data.digits()
    assert x_tr.shape[1:] == (8, 8, 1) and x_tr.dtype == np.float32
    assert len(x_tr) + len(x_te) == 1797 and set(np.unique(y_tr)) == set(range(10))
    assert 0.0 <= x_tr.min() and x_tr.max() <= 1.0
