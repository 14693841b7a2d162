"""zenax.scipy.optimize: minimize (BFGS, L-BFGS) (stub; being built).

It sits above the transforms because a minimiser differentiates its objective.
"""
__all__: list[str] = []
