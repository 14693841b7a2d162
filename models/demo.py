"""The main job (``zenax demo``): train a character-level GPT on the Python standard
library's own source, with ``grad(loss)(params)`` inside a jit-compiled functional loop.

It prints samples before and after training, shows a progress bar with the loss and
tokens/s, compares forward and reverse mode on the model's loss (time and FLOPs), and
writes a safetensors checkpoint and a loss plot (PNG) to the output folder.  The defaults
finish in a few minutes on two CPU cores.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from typing import Callable

import numpy as np

from zenax.lax import random
from zenax.models import count_params, data, io, optim, schedules
from zenax.models.gpt import GPT, GPTConfig, generate, loss as gpt_loss
from zenax.models.training import Throughput
from zenax.tracer.make_jaxpr import make_jaxpr
from zenax.tracer.tree_util import tree_leaves, tree_map
from zenax.transforms import grad, jit, jvp, value_and_grad
from zenax.transforms.cost import jaxpr_flops

PROMPT = "def "


def _number(kind: type, what: str, ok: Callable[[float], bool]) -> Callable[[str], float]:
    """An argparse ``type``: ``text`` parsed as ``kind`` and accepted if ``ok``; otherwise
    an ArgumentTypeError saying what was expected (argparse prints it as one line)."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value
    parse.__name__ = what        # argparse names the type by it in some messages
    return parse


_positive_int = _number(int, "a positive integer", lambda v: v >= 1)
_non_negative_int = _number(int, "an integer >= 0", lambda v: v >= 0)
_positive_float = _number(float, "a positive finite number", lambda v: 0 < v < float("inf"))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--steps", type=_positive_int, default=400,
                   help="training steps (default 400)")
    p.add_argument("--layers", type=_positive_int, default=4,
                   help="transformer blocks (default 4)")
    p.add_argument("--d-model", type=_positive_int, default=128,
                   help="embedding width, a multiple of --heads (default 128)")
    p.add_argument("--heads", type=_positive_int, default=4, help="attention heads (default 4)")
    p.add_argument("--seq-len", type=_positive_int, default=128,
                   help="context length (default 128)")
    p.add_argument("--batch-size", type=_positive_int, default=16,
                   help="sequences per step (default 16)")
    p.add_argument("--lr", type=_positive_float, default=3e-3,
                   help="peak learning rate (default 3e-3)")
    p.add_argument("--corpus-chars", type=_positive_int, default=None,
                   help="use only the first N characters of the corpus (default: all)")
    p.add_argument("--sample-chars", type=_non_negative_int, default=120,
                   help="characters to sample before and after training, at most the context "
                        "length minus the 4-character prompt (default 120)")
    p.add_argument("--eval-every", type=_positive_int, default=100,
                   help="steps between validation-loss measurements (default 100)")
    p.add_argument("--device", choices=("cpu", "gpu"), default=None,
                   help="run on this JAX platform (default: JAX's choice)")
    p.add_argument("--out", default="zenax-demo",
                   help="output folder for the checkpoint and plot (default ./zenax-demo)")
    p.add_argument("--seed", type=_non_negative_int, default=0)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def validate(parser: argparse.ArgumentParser, args) -> None:
    """Check the flags together, before any work starts: ``parser.error`` (one line, exit
    code 2) on the first problem."""
    if args.d_model % args.heads:
        parser.error(f"argument --d-model: {args.d_model} is not divisible by --heads "
                     f"{args.heads} (each head gets d_model / heads channels)")
    if args.sample_chars > args.seq_len - len(PROMPT):
        parser.error(f"argument --sample-chars: {args.sample_chars} is more than --seq-len "
                     f"{args.seq_len} minus the {len(PROMPT)}-character prompt")
    if args.corpus_chars is not None and args.corpus_chars // 10 <= args.seq_len + 1:
        parser.error(f"argument --corpus-chars: {args.corpus_chars} characters leave a "
                     f"validation split (10%) no longer than --seq-len + 1 = "
                     f"{args.seq_len + 1}; pass at least {10 * (args.seq_len + 2)}")
    if args.device == "gpu":
        import jax
        try:
            jax.devices("gpu")
        except RuntimeError:
            found = ", ".join(sorted({f"{d.platform} ({d.device_kind})"
                                      for d in jax.devices()}))
            parser.error(f"argument --device: gpu requested but this machine has no GPU "
                         f"that JAX can use; devices found: {found}")
    _check_output_folder(parser, args.out)


def _check_output_folder(parser: argparse.ArgumentParser, out: str) -> None:
    """Create ``out`` (if needed) and write a probe file in it, so an unusable folder is
    reported now, as a flag error, not after minutes of training."""
    path = os.path.abspath(out)
    probe = path
    while not os.path.exists(probe):        # the nearest existing ancestor decides
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        parser.error(f"argument --out: {out!r} cannot be created: {probe!r} is a file, "
                     "not a folder")
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        parser.error(f"argument --out: {out!r} is not a writable folder "
                     f"({e.strerror or e})")


def _sample(model, key, n_chars: int) -> str:
    prompt = data.encode(PROMPT)[None]
    n = min(n_chars, model.config.n_positions - prompt.shape[1])
    out = generate(model, prompt, n, key=key, temperature=0.8, top_k=20)
    return data.decode(np.asarray(out[0]))


def _evaluate(eval_loss, model, val, batch_size: int, seq_len: int, batches: int = 4):
    it = data.batches(val, batch_size, seq_len, seed=1234)
    return float(np.mean([float(eval_loss(model, _window(*next(it)))) for _ in range(batches)]))


def _window(x, y):
    # gpt.loss takes T+1 tokens and predicts tokens[1:] from tokens[:-1].
    return np.concatenate([x, y[:, -1:]], axis=1)


def _forward_vs_reverse(model, tokens) -> dict:
    """Time and FLOPs of the model's gradient by reverse mode (one vjp) against forward
    mode (one jvp per parameter: measured for one, extrapolated to all)."""
    def loss_of(m):
        return gpt_loss(m, tokens, training=False)

    n_params = count_params(model)
    direction = tree_map(lambda p: np.ones(p.shape, p.dtype) / np.sqrt(n_params), model)
    rev = jit(grad(loss_of))
    fwd = jit(lambda m, v: jvp(loss_of, (m,), (v,))[1])
    g = rev(model)
    jvp_value = float(fwd(model, direction))
    dot = sum(float(np.vdot(np.asarray(a), np.asarray(b)))
              for a, b in zip(tree_leaves(g), tree_leaves(direction)))

    def timed(f, *args, reps=5):
        f(*args)
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            tree_map(lambda x: x.block_until_ready(), f(*args))
            ts.append(time.perf_counter() - t0)
        return float(np.median(ts))

    t_rev, t_jvp = timed(rev, model), timed(fwd, model, direction)
    flops_rev = jaxpr_flops(make_jaxpr(grad(loss_of))(model).jaxpr)
    flops_jvp = jaxpr_flops(make_jaxpr(lambda m, v: jvp(loss_of, (m,), (v,))[1])(
        model, direction).jaxpr)
    flops_fwd_pass = jaxpr_flops(make_jaxpr(loss_of)(model).jaxpr)
    return {"n_params": n_params, "jvp_vs_grad_dot": (jvp_value, dot),
            "time_grad_s": t_rev, "time_one_jvp_s": t_jvp,
            "time_forward_mode_gradient_s": t_jvp * n_params,
            "flops_loss": flops_fwd_pass, "flops_grad": flops_rev, "flops_one_jvp": flops_jvp,
            "flops_forward_mode_gradient": flops_jvp * n_params}


def _plot(path: str, steps, train_losses, evals, baseline: float) -> bool:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, train_losses, lw=0.8, alpha=0.6, label="train loss")
    if evals:
        ax.plot([s for s, _ in evals], [v for _, v in evals], "o-", label="validation loss")
    ax.axhline(baseline, color="gray", ls="--", label=f"unigram baseline ({baseline:.2f})")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats / char)")
    ax.set_title("zenax: char-level GPT on the Python standard library's source")
    ax.legend()
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    os.replace(tmp, path)
    return True


def _train(args, params, train, val, baseline: float, *, loss_fn: Callable = gpt_loss,
           file=None) -> dict:
    """The functional training loop: ``grad(loss_fn)(params, tokens)`` inside one compiled
    step (``loss_fn(params, tokens, training=False)``, the GPT's loss by default), with a
    progress bar (written to ``file``, default stderr) showing the loss and
    tokens/s.  Returns the trained params and optimizer state, the loss per step, the
    validation losses, the timings, and the batch iterator (to draw further batches).

    tokens/s, in the bar and in the returned ``tokens_per_s`` alike, is tokens / wall
    time of the training steps, timed once the device has finished them (a
    :class:`Throughput`); the first step (tracing and compilation) and the evaluations
    are left out.  The bar shows it over about the last half second of steps."""
    from tqdm import tqdm

    schedule = schedules.warmup_cosine_decay_schedule(
        0.0, args.lr, warmup_steps=max(1, args.steps // 10), decay_steps=max(args.steps, 2),
        end_value=args.lr / 10)
    optimizer = optim.chain(optim.clip_by_global_norm(1.0),
                            optim.adamw(schedule, weight_decay=0.01))
    opt_state = optimizer.init(params)

    @jit
    def train_step(params, opt_state, tokens):
        loss, grads = value_and_grad(loss_fn)(params, tokens, training=False)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optim.apply_updates(params, updates), opt_state, loss

    eval_loss = jit(lambda m, tokens: loss_fn(m, tokens, training=False))
    batches = data.batches(train, args.batch_size, args.seq_len, seed=args.seed)
    meter = Throughput(tokens_per_step=args.batch_size * args.seq_len)
    losses, evals = [], [(0, _evaluate(eval_loss, params, val, args.batch_size,
                                       args.seq_len))]
    bar = tqdm(total=args.steps, desc="train", disable=args.no_progress, file=file)
    t_start = time.perf_counter()
    last_refresh = t_start
    for step in range(1, args.steps + 1):
        params, opt_state, loss = train_step(params, opt_state, _window(*next(batches)))
        losses.append(loss)
        if step == 1:        # traces and compiles: timed apart from the rate
            meter.pause(loss)
            first_step_time = time.perf_counter() - t_start
            meter.resume()
        else:
            meter.count(1)
        bar.update(1)
        if time.perf_counter() - last_refresh > 0.5 or step == args.steps:
            postfix = {"loss": f"{float(loss):.3f}"}
            if step > 1:
                postfix["tok_s"] = f"{meter.lap(loss):,.0f}"
            bar.set_postfix(postfix)
            last_refresh = time.perf_counter()
        if step % args.eval_every == 0 or step == args.steps:
            meter.pause(loss)
            evals.append((step, _evaluate(eval_loss, params, val, args.batch_size,
                                          args.seq_len)))
            bar.write(f"step {step}: validation loss {evals[-1][1]:.3f} "
                      f"(unigram {baseline:.3f})")
            meter.resume()
    bar.close()
    return {"params": params, "opt_state": opt_state, "batches": batches,
            "losses": [float(v) for v in losses], "evals": evals,
            "train_time_s": time.perf_counter() - t_start, "first_step_s": first_step_time,
            "tokens_per_s": meter.rate}


def _timing_line(steps: int, trained: dict, baseline: float) -> str:
    evals = trained["evals"]
    return (f"trained {steps} steps in {trained['train_time_s']:.1f} s (first step, with "
            f"compilation: {trained['first_step_s']:.1f} s; then {trained['tokens_per_s']:,.0f} "
            f"tokens/s, evaluation excluded); validation loss {evals[0][1]:.3f} -> "
            f"{evals[-1][1]:.3f}, unigram baseline {baseline:.3f}")


def run(args) -> dict:
    """Run the demo; returns a summary dict (also written as ``summary.json``)."""
    import jax

    device = jax.devices(args.device)[0] if args.device else jax.devices()[0]
    jax.config.update("jax_default_device", device)
    os.makedirs(args.out, exist_ok=True)
    print(f"zenax demo on {device.platform} -> {os.path.abspath(args.out)}")

    # Data: the standard library's own source, one token per byte.
    text = data.stdlib_corpus(args.corpus_chars)
    train, val = data.split(data.encode(text), val_fraction=0.1)
    baseline = data.unigram_loss(train, val)
    print(f"corpus: {len(text):,} characters of {len(data.CORPUS_MODULES)} stdlib modules; "
          f"unigram baseline {baseline:.3f} nats/char")

    # Model: parameters are a pytree (a GPT module).
    config = GPTConfig(vocab_size=data.VOCAB_SIZE, n_positions=args.seq_len,
                       n_embd=args.d_model, n_layer=args.layers, n_head=args.heads)
    key = random.PRNGKey(args.seed)
    key, init_key, sample_key = random.split(key, 3)
    params = GPT(config, key=init_key)
    print(f"model: GPT with {args.layers} layers, d_model {args.d_model}, {args.heads} heads, "
          f"context {args.seq_len}: {count_params(params):,} parameters")

    print(f"\n-- sample before training --\n{_sample(params, sample_key, args.sample_chars)}\n")

    trained = _train(args, params, train, val, baseline)
    params, opt_state, losses, evals, batches = (
        trained[k] for k in ("params", "opt_state", "losses", "evals", "batches"))
    print(_timing_line(args.steps, trained, baseline))

    print(f"\n-- sample after training --\n{_sample(params, sample_key, args.sample_chars)}\n")

    # Forward vs reverse mode on the model's loss.
    fvr = _forward_vs_reverse(params, _window(*next(batches))[:4])
    jvp_value, dot = fvr["jvp_vs_grad_dot"]
    print("forward vs reverse mode, gradient of the loss w.r.t. all "
          f"{fvr['n_params']:,} parameters (the loss alone: "
          f"{fvr['flops_loss'] / 1e6:,.1f} MFLOP):")
    print(f"  reverse (one vjp):      {fvr['time_grad_s'] * 1e3:9.2f} ms, "
          f"{fvr['flops_grad'] / 1e6:12,.1f} MFLOP")
    print(f"  forward (one jvp):      {fvr['time_one_jvp_s'] * 1e3:9.2f} ms, "
          f"{fvr['flops_one_jvp'] / 1e6:12,.1f} MFLOP  (one direction)")
    print(f"  forward, all params:    {fvr['time_forward_mode_gradient_s']:9.0f} s,  "
          f"{fvr['flops_forward_mode_gradient'] / 1e12:12,.1f} TFLOP  (one jvp per parameter)")
    print(f"  check: jvp along v = {jvp_value:.6f}, <grad, v> = {dot:.6f}")

    # Checkpoint and plot.
    ckpt = io.save_checkpoint(os.path.join(args.out, "checkpoints"), args.steps, params,
                              opt_state)
    plot_path = os.path.join(args.out, "loss.png")
    plotted = _plot(plot_path, list(range(1, args.steps + 1)), losses, evals, baseline)
    print(f"checkpoint: {ckpt}")
    print(f"loss plot:  {plot_path if plotted else '(matplotlib not installed: skipped)'}")

    summary = {"config": dataclasses.asdict(config), "steps": args.steps,
               "train_time_s": trained["train_time_s"],
               "first_step_s": trained["first_step_s"],
               "tokens_per_s": trained["tokens_per_s"],
               "unigram_loss": baseline, "val_loss": evals, "train_loss_first": losses[0],
               "train_loss_last": losses[-1], "checkpoint": str(ckpt),
               "plot": plot_path if plotted else None,
               "forward_vs_reverse": {**{k: v for k, v in fvr.items()
                                         if k != "jvp_vs_grad_dot"},
                                      "jvp_along_v": jvp_value, "grad_dot_v": dot}}
    path = os.path.join(args.out, "summary.json")
    with open(path + ".tmp", "w") as f:      # written whole, then renamed: never half a file
        json.dump(summary, f, indent=2)
    os.replace(path + ".tmp", path)
    return summary
