"""Eight devices for the sharding, shard_map and pmap tests.

JAX makes its CPU devices once, when it first needs them, reading
``XLA_FLAGS=--xla_force_host_platform_device_count=N``.  Importing this module asks for
eight before that happens (the sharding test files import it first).  If JAX already
made its devices with one -- another test module used JAX first -- the multi-device
tests run in one pytest subprocess with eight devices instead, once per session for all
the sharding test files the session selected, and each test here reports the outcome its
twin had there.  Tests are marked for this with :func:`on_eight_devices`.
"""
from __future__ import annotations

import fcntl
import functools
import hashlib
import inspect
import json
import os
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

FLAG = "--xla_force_host_platform_device_count=8"
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {FLAG}".strip()

import jax  # noqa: E402
import pytest  # noqa: E402

N_DEVICES = 8
_HERE = pathlib.Path(__file__).parent


def have_devices() -> bool:
    return len(jax.devices()) >= N_DEVICES


def on_eight_devices(namespace: dict) -> None:
    """Wrap every ``test_*`` function of a test module's ``namespace``: with eight devices
    it runs; without, it reports its twin's outcome in the eight-device subprocess."""
    for name, fn in list(namespace.items()):
        if name.startswith("test_") and inspect.isfunction(fn):
            namespace[name] = _wrap(fn)


def _wrap(fn):
    sig = inspect.signature(fn)
    own_request = "request" in sig.parameters
    params = list(sig.parameters.values())
    if not own_request:
        params.append(inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY))

    @functools.wraps(fn)
    def test(*args, **kwargs):
        request = kwargs["request"] if own_request else kwargs.pop("request")
        if have_devices():
            return fn(*args, **kwargs)
        _report_twin(request)

    test.__signature__ = sig.replace(parameters=params)
    return test


def _report_twin(request) -> None:
    outcomes = _subprocess_outcomes(request)
    key = f"{pathlib.Path(request.node.fspath).name}::{request.node.name}"
    if key not in outcomes:
        pytest.fail(f"{key} did not run in the {N_DEVICES}-device subprocess.")
    outcome, message = outcomes[key]
    if outcome != "passed":
        pytest.fail(f"in the {N_DEVICES}-device subprocess:\n{message}", pytrace=False)


def _selected_files(session) -> list[str]:
    files = {str(item.fspath) for item in session.items
             if pathlib.Path(str(item.fspath)).name.startswith(("test_sharding", "test_shard_map",
                                                               "test_pmap", "test_mesh"))}
    return sorted(files)


def _subprocess_outcomes(request) -> dict:
    """``{file::test: (outcome, message)}`` from one subprocess per session (shared by the
    xdist workers through a lock file)."""
    config = request.config
    files = _selected_files(request.session)
    options = [config.option.markexpr or "", config.option.keyword or ""]
    key = hashlib.sha1(json.dumps([files, options]).encode()).hexdigest()[:12]
    root = pathlib.Path(request.getfixturevalue("tmp_path_factory").getbasetemp())
    root = root.parent if root.name.startswith("popen-") else root
    results, lock = root / f"eight-devices-{key}.json", root / f"eight-devices-{key}.lock"
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if not results.exists():
            results.write_text(json.dumps(_run_subprocess(files, options, root / f"{key}.xml")))
    return {k: tuple(v) for k, v in json.loads(results.read_text()).items()}


def _run_subprocess(files, options, xml_path) -> dict:
    markexpr, keyword = options
    env = dict(os.environ, XLA_FLAGS=f"{os.environ.get('XLA_FLAGS', '')} {FLAG}")
    cmd = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
           "-m", markexpr, f"--junitxml={xml_path}", *files]
    if keyword:
        cmd += ["-k", keyword]
    proc = subprocess.run(cmd, cwd=_HERE.parent, env=env, capture_output=True, text=True,
                          timeout=900)
    if not xml_path.exists():
        return {"__crash__": ("failed", proc.stdout[-4000:] + proc.stderr[-4000:])}
    outcomes = {}
    for case in ET.parse(xml_path).getroot().iter("testcase"):
        module = case.get("classname", "").split(".")[-1]
        problem = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
        outcome = "passed" if problem is None else problem.tag
        message = "" if problem is None else (problem.get("message", "") + "\n" +
                                              (problem.text or ""))
        outcomes[f"{module}.py::{case.get('name')}"] = (outcome, message[-6000:])
    return outcomes


def test_eight_devices_are_available_here_or_in_a_subprocess():
    assert len(jax.devices()) >= N_DEVICES
    assert {d.platform for d in jax.devices()} == {jax.default_backend()}


on_eight_devices(globals())
