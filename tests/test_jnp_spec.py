"""zenax.numpy against jax.numpy, driven by the seed NumPy-level spec table
(jnp_spec_table.py); the checks themselves are jnp_spec_checks.py's.  Each family of
functions added later has its own test file with its rows (test_jnp_sorting.py, ...)."""
from jnp_spec_checks import spec_tests
from jnp_spec_table import SPECS

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)
