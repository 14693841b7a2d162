"""zenax.debug (print, log, callback, breakpoint) against jax.debug: the same programs,
the same printed text."""
import io
import logging
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp

from oracle import raises_like_jax

LIBS = {"jax": (jax, jnp), "zenax": (zenax, znp)}


def run_printing(lib, capsys):
    jax_, np_ = LIBS[lib]

    @jax_.jit
    def f(x, d):
        jax_.debug.print("x={x} d={d}", x=x, d=d)
        jax_.debug.print("plain", x, "s", skip_format_check=True)
        jax_.debug.print(ordered=True)("two-call {} {}", x, None)
        jax_.debug.callback(lambda a, tag, k=None: print("cb", type(a).__name__, a, tag, k),
                            x, "tag", k=d["a"])
        return x * 2

    f(np_.float32(1.5), {"a": np_.arange(3)})
    jax_.vmap(lambda x: jax_.debug.print("v {}", x))(np_.arange(2.0))
    jax_.vmap(lambda x, y: jax_.debug.callback(
        lambda a, b: print("vcb", type(a).__name__, a, type(b).__name__, b), x, y),
        in_axes=(1, None))(np_.arange(4.0).reshape(2, 2), np_.float32(7))
    jax_.grad(lambda x: (jax_.debug.print("g {}", x), x * x)[1])(3.0)
    jax_.effects_barrier()
    # Unordered callbacks may run in any order: compare the lines as a multiset.
    return sorted(capsys.readouterr().out.splitlines())


def test_print_and_callback_match_jax(capsys):
    assert run_printing("zenax", capsys) == run_printing("jax", capsys)


def test_log_emits_a_record_at_the_users_line(caplog):
    records = {}
    for lib, logger in (("jax", "jax._src.debugging"), ("zenax", "zenax.debug")):
        jax_ = LIBS[lib][0]
        caplog.clear()
        with caplog.at_level(logging.INFO, logger=logger):
            jax_.jit(lambda x: jax_.debug.log("loss {x}", x=x))(2.0)
            jax_.effects_barrier()
        records[lib] = [(r.levelname, r.getMessage(), r.lineno) for r in caplog.records
                        if r.name == logger]
    assert records["zenax"] == records["jax"]
    assert len(records["zenax"]) == 1 and records["zenax"][0][1] == "loss 2.0"


@pytest.mark.parametrize("call", [
    lambda d: d.print("{}", 1, 2), lambda d: d.print("{a}", a=1, b=2),
    lambda d: d.callback(3), lambda d: d.print(ordered=True)("x", k=2),
    lambda d: d.print(ordered=True)("{}", 1, extra=3)])
def test_bad_arguments_raise_what_jax_raises(call):
    raises_like_jax(lambda: call(zenax.debug), lambda: call(jax.debug), same_message=True)


@pytest.mark.parametrize("call", [lambda d: d.print(None, 1), lambda d: d.callback(None, 1)])
def test_two_call_form_rejects_arguments(call):
    raises_like_jax(lambda: call(zenax.debug), lambda: call(jax.debug),
                    match="debug_(print|callback) received unexpected arguments")


# ---------------------------------------------------------------- breakpoint

def breakpoint_program(lib, commands):
    jax_, np_ = LIBS[lib]
    out = io.StringIO()

    def inner(x):
        y = np_.sin(x) * 2
        jax_.debug.breakpoint(num_frames=2, stdin=io.StringIO(commands), stdout=out)
        return y + 1

    @jax_.jit
    def f(x):
        z = x * 3
        return inner(z)

    jax_.block_until_ready(f(np.float32(0.5)))
    jax_.effects_barrier()
    return out.getvalue()


def test_breakpoint_commands_print_what_jax_prints():
    commands = "p x\npp y\nu\np z\nu\nd\nd\nl\np nope\nx + 1\nc\n"
    out = breakpoint_program("zenax", commands)
    assert out == breakpoint_program("jax", commands)
    assert "(jdb) Array(1.5, dtype=float32)" in out and "NameError" in out


def test_breakpoint_with_token_returns_it():
    out = io.StringIO()
    f = zenax.jit(lambda x: zenax.debug.breakpoint(token=x * 2, stdin=io.StringIO("p x\nc\n"),
                                                   stdout=out) + 1)
    assert float(f(np.float32(1.0))) == 3.0
    assert out.getvalue() == "Entering jdb:\n(jdb) Array(1., dtype=float32)\n(jdb) "
    with pytest.raises(ValueError, match="mutually exclusive"):
        zenax.debug.breakpoint(token=1.0, ordered=True)


SCRIPT = textwrap.dedent("""
    import jax, jax.numpy as jnp
    import zenax, zenax.numpy as znp
    LIBS = {"jax": (jax, jnp), "zenax": (zenax, znp)}

    def inner(lib, x):
        jax_, np_ = LIBS[lib]
        y = np_.sin(x) * 2
        jax_.debug.breakpoint()
        return y + 1

    def program(lib):
        jax_, np_ = LIBS[lib]
        f = jax_.jit(lambda x: inner(lib, x * 3))
        out = f(np_.float32(0.5))
        jax_.effects_barrier()
        return out

    for lib in LIBS:
        print("==", lib, program(lib))
""")


@pytest.mark.slow
def test_breakpoint_reads_scripted_stdin_in_a_subprocess(tmp_path):
    # The real prompt, reading stdin with input(): one process runs the same program under
    # JAX and then zenax, each answering the same commands.
    script = tmp_path / "bp.py"
    script.write_text(SCRIPT)
    commands = "p x\npp y\nw\nu\np x\nl\nc\n"
    proc = subprocess.run([sys.executable, str(script)], input=commands * 2,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    jax_out, rest = proc.stdout.split("== jax ")
    jax_result, rest = rest.split("\n", 1)
    zenax_out, zenax_result = rest.split("== zenax ")
    assert (zenax_out, zenax_result.strip()) == (jax_out, jax_result.strip())
    assert 'File "' in zenax_out and "->  " in zenax_out and "Array(1.5" in zenax_out
