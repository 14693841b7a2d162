"""zenax.data: download-free data -- the stdlib source corpus, byte tokens, batches,
scikit-learn's digits."""
from zenax.models.data import (CORPUS_MODULES, VOCAB_SIZE, batches, decode, digits,  # noqa: F401
                               encode, split, stdlib_corpus, unigram_loss)
