"""zenax.scipy.integrate: trapezoid (stub; being built)."""
__all__: list[str] = []
