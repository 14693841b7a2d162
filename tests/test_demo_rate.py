"""The tokens/s that the demo's progress bar shows is the true rate: steps are timed once
the device has finished them (not when their dispatch returns), and the bar's figure
agrees with the one the demo prints at the end of training."""
import argparse
import io
import re
import time

import numpy as np

import zenax.numpy as jnp
from zenax.models import demo, training


def _figures(pattern: str, text: str) -> list[float]:
    return [float(s.replace(",", "")) for s in re.findall(pattern, text)]


class _Device:
    """A stand-in for an asynchronous device: each step is queued and takes ``step_s``
    seconds after the previous one finishes; dispatch returns at once."""

    def __init__(self, step_s: float):
        self.step_s = step_s
        self.free_at = time.perf_counter()

    def dispatch(self) -> "_Result":
        self.free_at = max(self.free_at, time.perf_counter()) + self.step_s
        return _Result(self.free_at)


class _Result:
    def __init__(self, ready_at: float):
        self.ready_at = ready_at

    def block_until_ready(self):
        time.sleep(max(0.0, self.ready_at - time.perf_counter()))
        return self

    def __float__(self):
        self.block_until_ready()
        return 1.0


def test_throughput_times_finished_steps_not_their_dispatch():
    device = _Device(step_s=0.01)
    meter = training.Throughput(tokens_per_step=100, window=0.05)
    meter.resume()
    for _ in range(20):
        value = device.dispatch()
        meter.count(1)
    recent = meter.lap(value)       # dispatch took ~0 s; the work took 0.2 s
    assert 100 * 20 / 0.2 * 0.6 < recent <= 100 * 20 / 0.2
    meter.pause(value)
    time.sleep(0.1)                 # an evaluation: not training time
    meter.resume()
    for _ in range(10):
        value = device.dispatch()
        meter.count(1)
    recent = meter.lap(value)
    assert meter.steps == 30 and meter.tokens == 3000
    assert 0.3 <= meter.seconds < 0.3 / 0.6
    assert 10_000 * 0.6 < recent <= 10_000 and 10_000 * 0.6 < meter.rate <= 10_000


def test_fit_bar_rate_is_the_device_rate(capsys):
    device = _Device(step_s=0.01)

    def step(params, opt_state, batch):
        return params, opt_state, device.dispatch()

    _, _, history = training.fit(step, None, None, range(40), tokens_per_batch=100)
    assert history.shape == (40,)
    rates = _figures(r"tok/s=([\d,]+)", capsys.readouterr().err)
    assert rates and 10_000 * 0.6 < rates[-1] <= 10_000     # not the dispatch rate


def _matmul_loss(params, tokens, training=False):
    # Cheap to compile, yet each step's work far outweighs its dispatch.
    h = jnp.tanh(params["emb"][tokens[:, :-1]] @ params["w"])
    return jnp.mean(h ** 2)


def test_demo_bar_rate_agrees_with_the_summary():
    parser = argparse.ArgumentParser()
    demo.add_arguments(parser)
    args = parser.parse_args(["--steps", "80", "--seq-len", "64", "--batch-size", "64",
                              "--eval-every", "40"])
    rng = np.random.default_rng(0)
    params = {"emb": jnp.asarray(rng.normal(size=(256, 128)).astype(np.float32)),
              "w": jnp.asarray(rng.normal(size=(128, 128)).astype(np.float32) / 11)}
    tokens = rng.integers(0, 256, 20_000).astype(np.int32)
    bar = io.StringIO()             # not a terminal: the bar's text as a pipe receives it
    trained = demo._train(args, params, tokens[:16_000], tokens[16_000:], 5.5,
                          loss_fn=_matmul_loss, file=bar)
    line = demo._timing_line(args.steps, trained, 5.5)
    summary = _figures(r"then ([\d,]+) tokens/s", line)
    assert summary == [round(trained["tokens_per_s"])]
    rates = _figures(r"tok_s=([\d,]+)", bar.getvalue())
    assert rates, bar.getvalue()
    assert abs(rates[-1] - summary[0]) <= 0.2 * summary[0], (rates, line)
    # Evaluation and the compiling first step are outside the timed steps.
    assert trained["tokens_per_s"] * (trained["train_time_s"] - trained["first_step_s"]) \
        >= 79 * 64 * 64
