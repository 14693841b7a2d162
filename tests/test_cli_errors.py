"""``zenax demo`` never shows a traceback: bad flags are one argparse-style line on stderr
with exit code 2, found before any work starts; Ctrl-C is one line and exit code 130.

The flag checks run through ``main`` in this process; one bad flag and the Ctrl-C case
run the real console entry point (``python -m zenax``) in a subprocess.
"""
import os
import signal
import subprocess
import sys
import time

import pytest

from zenax.__main__ import main

pytestmark = pytest.mark.slow

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "JAX_PLATFORMS": "cpu"}


def _start(args, **kw):
    return subprocess.Popen([sys.executable, "-m", "zenax", "demo", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=ENV, **kw)


def test_bad_flags_are_one_line_errors_with_exit_code_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    cases = {   # the flags, and what the one line must name
        ("--steps", "0"): "--steps",
        ("--steps", "-1"): "--steps",
        ("--eval-every", "0"): "--eval-every",
        ("--batch-size", "0"): "--batch-size",
        ("--seq-len", "0"): "--seq-len",
        ("--heads", "3", "--d-model", "16"): "--d-model",
        ("--lr", "nan"): "--lr",
        ("--sample-chars", "500"): "--sample-chars",
        ("--corpus-chars", "100"): "--corpus-chars",
        ("--out", str(a_file / "sub")): "--out",
        ("--device", "gpu"): "--device",     # this test machine has no GPU (CPU-only JAX)
        ("--layers", "two"): "--layers",
    }
    for args, needle in cases.items():
        with pytest.raises(SystemExit) as exit:
            main(["demo", *args])
        out, err = capsys.readouterr()
        lines = err.strip().splitlines()
        assert exit.value.code == 2, (args, err)
        assert len(lines) == 1 and "Traceback" not in err, (args, err)
        assert lines[0].startswith("zenax demo: error: argument " + needle), (args, err)
        assert out == "", (args, out)        # nothing ran
    assert not (tmp_path / "zenax-demo").exists()


def test_a_bad_flag_of_the_console_entry_point_is_one_line_and_exit_code_2():
    out, err = _start(["--steps", "0"]).communicate(timeout=300)
    assert err.startswith("zenax demo: error: argument --steps") and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_ctrl_c_is_one_line_and_exit_code_130(tmp_path):
    out = tmp_path / "run"
    proc = _start(["--steps", "100000", "--layers", "1", "--d-model", "16", "--heads", "2",
                   "--seq-len", "16", "--batch-size", "2", "--corpus-chars", "20000",
                   "--sample-chars", "4", "--no-progress", "--out", str(out)])
    deadline = time.time() + 240
    while not out.exists() and time.time() < deadline:   # the run has started
        time.sleep(0.2)
    time.sleep(3.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("zenax demo: interrupted")
    assert len(err.strip().splitlines()) == 1, err
    assert not (out / "summary.json").exists()           # no half-written results
