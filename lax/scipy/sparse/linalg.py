"""zenax.scipy.sparse.linalg: iterative solvers (stub; being built)."""
__all__: list[str] = []
