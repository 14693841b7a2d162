"""zenax.io: safetensors checkpoints for any pytree (save/load, training-loop checkpoints).

>>> import os, tempfile, zenax, zenax.numpy as jnp
>>> path = os.path.join(tempfile.mkdtemp(), 'params.safetensors')
>>> zenax.io.save(path, {'w': jnp.ones(2)})
>>> zenax.io.load(path)
{'w': Array([1., 1.], dtype=float32)}
"""
from zenax.models.io import (Checkpoint, latest_checkpoint, load, load_metadata,  # noqa: F401
                             load_safetensors_dict, restore_checkpoint, save, save_checkpoint)
