"""zenax.distributed end to end: two processes on localhost (4 host CPU devices each,
joined through ``zenax.distributed.initialize``) run the tiny GPT's data-parallel step on
a global mesh of 8 devices, each feeding half the batch; the losses and updated
parameters must equal the same step run here, in one process with 8 devices.

The workers (``distributed_worker.py``) run with a timeout and are killed in a
``finally``, so a hung coordinator cannot outlive the test.
"""
import json
import os
import socket
import subprocess
import sys
import time

import jax
import numpy as np
import pytest

import zenax
from zenax.sharding import AxisType

import distributed_worker as worker

pytestmark = pytest.mark.slow   # starts two Python processes

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT_S = 120
N_PROCESSES = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _run_workers(tmp_path, while_waiting) -> tuple[list[dict], object]:
    """The workers' JSON results, and ``while_waiting()``'s, run while they work.  Their
    output goes to files (no pipe to fill up); once one fails, or the deadline passes,
    the rest are killed."""
    address = f"localhost:{_free_port()}"
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    procs, logs = [], []
    try:
        for i in range(N_PROCESSES):
            out, err = (open(tmp_path / f"worker{i}.{s}", "w+") for s in ("out", "err"))
            logs.append((out, err))
            procs.append(subprocess.Popen(
                [sys.executable, os.path.join(HERE, "distributed_worker.py"), address,
                 str(N_PROCESSES), str(i)], stdout=out, stderr=err, text=True, env=env))
        local = while_waiting()
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            codes = [p.poll() for p in procs]
            if all(c == 0 for c in codes) or any(c not in (None, 0) for c in codes):
                break
            time.sleep(0.1)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for out, err in logs:
            out.seek(0), err.seek(0)
        texts = [(out.read(), err.read()) for out, err in logs]
        for out, err in logs:
            out.close(), err.close()
    results = []
    for i, (p, (out, err)) in enumerate(zip(procs, texts)):
        why = " (killed: past the deadline, or the other worker failed)" * (p.returncode < 0)
        assert p.returncode == 0, f"worker {i} exited with {p.returncode}{why}:\n{err[-3000:]}"
        lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        assert len(lines) == 1, out
        results.append(lines[0])
    return results, local


def _one_process_run() -> dict:
    devices = jax.devices()
    assert len(devices) >= 8, "tests/conftest.py asks for 8 host devices"
    mesh = jax.sharding.Mesh(np.array(devices[:8]), ("data",), axis_types=(AxisType.Auto,))
    result = worker.run_steps(mesh, worker.global_tokens())
    assert result["process_count"] == 1
    return result


def test_two_process_data_parallel_step_matches_one_process(tmp_path):
    workers, reference = _run_workers(tmp_path, _one_process_run)
    for i, r in enumerate(workers):
        assert r["process_id"] == i
        assert (r["process_count"], r["device_count"], r["local_device_count"]) == (2, 8, 4)
    for r in workers:
        # The gradient all-reduce crosses processes here (gloo) and stays in-process in
        # the reference: the sums may round differently, so float32 tolerances.  Adam
        # divides each gradient by its own RMS, so a rounding difference in a near-zero
        # gradient moves that parameter by up to a fraction of the learning rate.
        np.testing.assert_allclose(r["losses"], reference["losses"], rtol=1e-5)
        np.testing.assert_allclose(r["params"], reference["params"], rtol=1e-5,
                                   atol=1e-3 * worker.LEARNING_RATE)
    # The second step's loss differs from the first: the update reached every process.
    assert workers[0]["losses"][0] != workers[0]["losses"][1]


def test_not_initialized_in_the_test_process():
    assert zenax.distributed.is_initialized() is False
    assert zenax.process_count() == 1 and zenax.process_index() == 0
