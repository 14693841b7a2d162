"""zenax.scipy.stats: probability distributions, one module per distribution (stub; being built)."""
