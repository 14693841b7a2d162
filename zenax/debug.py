"""zenax.debug: printing and callbacks that run when the program runs."""
from zenax.transforms.debugging import debug_print as print  # noqa: F401,A001
from zenax.lax.debugging import debug_callback as callback  # noqa: F401
