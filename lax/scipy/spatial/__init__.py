"""zenax.scipy.spatial."""
from . import transform  # noqa: F401
