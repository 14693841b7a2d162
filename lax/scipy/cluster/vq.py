"""zenax.scipy.cluster.vq: vector quantisation (stub; being built)."""
__all__: list[str] = []
