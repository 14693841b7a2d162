"""zenax.scipy.linalg: SciPy's dense linear algebra with JAX's semantics
(``jax.scipy.linalg``'s surface), built on ``zenax.lax.linalg`` and ``zenax.numpy``.

>>> zenax.scipy.linalg.solve_triangular(jnp.array([[2., 0.], [1., 1.]]), jnp.array([2., 3.]),
...                                     lower=True)
Array([1., 2.], dtype=float32)

One module per idea:

- ``linalg_solvers``: ``solve_triangular``, ``cholesky``, ``cho_factor``/``cho_solve``,
  ``lu``, ``lu_factor``/``lu_solve``, ``solve``, ``inv``, ``det``;
- ``linalg_decompositions``: ``eigh``, ``svd``, ``qr``, ``qr_multiply``, ``schur``,
  ``rsf2csf``, ``hessenberg``;
- ``linalg_tridiagonal``: ``eigh_tridiagonal``;
- ``linalg_matrix_functions``: ``expm``, ``expm_frechet``, ``sqrtm``, ``funm``,
  ``polar``, ``solve_sylvester``;
- ``linalg_special_matrices``: ``block_diag``, ``toeplitz``, ``hankel``, ``circulant``,
  ``companion``, ``fiedler``, ``fiedler_companion``, ``leslie``, ``convolution_matrix``,
  ``dft``, ``hadamard``, ``helmert``, ``hilbert``, ``invhilbert``, ``pascal``,
  ``invpascal``.
"""
from zenax.lax.eager import compile_marked as _compile_marked

from .linalg_decompositions import eigh, hessenberg, qr, qr_multiply, rsf2csf, schur, svd
from .linalg_matrix_functions import expm, expm_frechet, funm, polar, solve_sylvester, sqrtm
from .linalg_solvers import (cho_factor, cho_solve, cholesky, det, inv, lu, lu_factor,
                             lu_solve, solve, solve_triangular)
from .linalg_special_matrices import (block_diag, circulant, companion, convolution_matrix, dft,
                                      fiedler, fiedler_companion, hadamard, hankel, helmert,
                                      hilbert, invhilbert, invpascal, leslie, pascal, toeplitz)
from .linalg_tridiagonal import eigh_tridiagonal

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "circulant", "companion",
           "convolution_matrix", "det", "dft", "eigh", "eigh_tridiagonal", "expm",
           "expm_frechet", "fiedler", "fiedler_companion", "funm", "hadamard", "hankel",
           "helmert", "hessenberg", "hilbert", "inv", "invhilbert", "invpascal", "leslie",
           "lu", "lu_factor", "lu_solve", "pascal", "polar", "qr", "qr_multiply",
           "rsf2csf", "schur", "solve", "solve_sylvester", "solve_triangular", "sqrtm",
           "svd", "toeplitz"]

_compile_marked(globals())
