"""zenax.models: models as pytrees of parameters (``Module``), layers and architectures."""
from .module import (Module, combine, count_params, field, filter, is_array,  # noqa: F401
                     is_inexact_array, partition, path_matches, static_field, tree_pformat)
