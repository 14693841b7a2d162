"""zenax.scipy.linalg: SciPy's dense linear algebra with JAX's semantics (stub; being built)."""
__all__: list[str] = []
