"""zenax.scipy.interpolate: RegularGridInterpolator (stub; being built)."""
__all__: list[str] = []
