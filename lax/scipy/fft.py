"""zenax.scipy.fft: discrete cosine transforms (stub; being built)."""
__all__: list[str] = []
