"""zenax.scipy.spatial.transform: Rotation, Slerp (stub; being built)."""
__all__: list[str] = []
