"""zenax.test_util: ``check_grads`` and its parts (finite-difference gradient checks)."""
from zenax.transforms.test_util import check_grads, check_jvp, check_vjp  # noqa: F401
