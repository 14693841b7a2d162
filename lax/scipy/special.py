"""zenax.scipy.special: SciPy's special functions with JAX's semantics (stub; being built)."""
__all__: list[str] = []
