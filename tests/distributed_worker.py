"""One process of the data-parallel GPT run of ``test_distributed.py``.

``python tests/distributed_worker.py COORDINATOR NUM_PROCESSES PROCESS_ID`` gives this
process 4 host CPU devices, joins the job through ``zenax.distributed.initialize``, and
runs two steps of the tiny GPT's data-parallel AdamW step over a global mesh of every
process's devices.  Each process feeds only its own rows of the global batch (through
``make_array_from_process_local_data``); the gradients meet in an all-reduce across the
processes (JAX's gloo CPU collectives).  It prints one JSON line: both losses, the updated
parameters (flattened), and the process and device counts it saw.

The test process imports ``dp_step`` / ``global_tokens`` / ``run_steps`` to run the same
step on one process with 8 devices.  Nothing here imports JAX at module level, so the
device flags below are set before JAX reads them.
"""
from __future__ import annotations

import json
import os
import sys

LOCAL_DEVICES = 4
GLOBAL_BATCH = 8
LEARNING_RATE = 1e-2


def _config():
    from zenax.models.gpt import GPTConfig
    return GPTConfig(vocab_size=32, n_positions=8, n_embd=16, n_layer=1, n_head=2)


def global_tokens():
    """The global batch ``[GLOBAL_BATCH, n_positions + 1]`` (int32, the same on every
    process: each feeds its own rows of it)."""
    import numpy as np
    config = _config()
    rng = np.random.default_rng(0)
    return rng.integers(0, config.vocab_size, (GLOBAL_BATCH, config.n_positions + 1),
                        dtype=np.int32)


def dp_step(mesh):
    """The jitted data-parallel step ``(model, opt_state, tokens) -> (model, opt_state,
    loss)``: parameters and optimizer state replicated, the batch split on ``data``."""
    import zenax
    from zenax import optim
    from zenax.models.gpt import loss as gpt_loss
    from zenax.sharding import NamedSharding, PartitionSpec as P

    tx = optim.adamw(LEARNING_RATE)
    replicated, batch = NamedSharding(mesh, P()), NamedSharding(mesh, P("data"))

    def step(model, opt_state, tokens):
        loss, grads = zenax.value_and_grad(
            lambda m: gpt_loss(m, tokens, training=False))(model)
        updates, opt_state = tx.update(grads, opt_state, model)
        return optim.apply_updates(model, updates), opt_state, loss
    return zenax.jit(step, in_shardings=(replicated, replicated, batch),
                     out_shardings=replicated), tx


def run_steps(mesh, local_tokens) -> dict:
    """Two DP steps from the same initial GPT on ``mesh``; ``local_tokens`` are this
    process's rows of ``global_tokens()``."""
    import numpy as np

    import zenax
    from zenax.models.gpt import GPT
    from zenax.sharding import NamedSharding, PartitionSpec as P

    step, tx = dp_step(mesh)
    replicated = NamedSharding(mesh, P())

    # One compiled program makes the replicated model and optimizer state (eagerly it
    # would be one dispatch per initializer).
    def init(key):
        model = GPT(_config(), key=key)
        return model, tx.init(model)
    model, opt_state = zenax.jit(init, out_shardings=replicated)(zenax.random.PRNGKey(0))
    tokens = zenax.make_array_from_process_local_data(NamedSharding(mesh, P("data")),
                                                      local_tokens)
    model, opt_state, loss1 = step(model, opt_state, tokens)
    model, opt_state, loss2 = step(model, opt_state, tokens)
    # Replicated outputs: every process holds a full copy in each of its shards.
    params = np.concatenate([np.ravel(leaf.addressable_shards[0].data)
                             for leaf in zenax.tree_util.tree_leaves(model)])
    return {"losses": [float(loss1), float(loss2)], "params": params.tolist(),
            "process_count": zenax.process_count(), "device_count": zenax.device_count(),
            "local_device_count": zenax.local_device_count()}


def main(coordinator: str, num_processes: int, process_id: int) -> None:
    flags = [f for f in os.environ.get("XLA_FLAGS", "").split()
             if "xla_force_host_platform_device_count" not in f]
    os.environ["XLA_FLAGS"] = " ".join(
        [*flags, f"--xla_force_host_platform_device_count={LOCAL_DEVICES}"])
    os.environ["JAX_PLATFORMS"] = "cpu"

    import zenax
    from zenax.sharding import AxisType
    zenax.config.update("jax_cpu_collectives_implementation", "gloo")
    zenax.distributed.initialize(coordinator, num_processes=num_processes,
                                 process_id=process_id, initialization_timeout=60)
    try:
        n = zenax.device_count()
        mesh = zenax.make_mesh((n,), ("data",), axis_types=(AxisType.Auto,))
        rows = GLOBAL_BATCH // num_processes
        local = global_tokens()[process_id * rows:(process_id + 1) * rows]
        result = run_steps(mesh, local)
    finally:
        zenax.distributed.shutdown()
    print(json.dumps({"process_id": process_id, **result}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
