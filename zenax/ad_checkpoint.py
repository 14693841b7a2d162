"""zenax.ad_checkpoint: naming values and choosing what ``checkpoint`` saves (JAX's
``jax.ad_checkpoint``; ``checkpoint`` itself is ``zenax.checkpoint``)."""
from zenax.lax import checkpoint_name  # noqa: F401
from zenax.transforms.checkpoint_policies import (Offloadable, Recompute,  # noqa: F401
                                                  Saveable, checkpoint_policies)
from zenax.transforms.saved_residuals import print_saved_residuals  # noqa: F401

__all__ = ["Offloadable", "Recompute", "Saveable", "checkpoint_name", "checkpoint_policies",
           "print_saved_residuals"]
