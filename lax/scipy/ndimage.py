"""zenax.scipy.ndimage: map_coordinates (stub; being built)."""
__all__: list[str] = []
