"""zenax.scipy.sparse."""
from . import linalg  # noqa: F401
