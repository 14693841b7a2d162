"""zenax.scipy.signal: convolution and spectral analysis (stub; being built)."""
__all__: list[str] = []
