"""QLoRA on the demo's char-GPT: the model in 8 and 4 bits, then LoRA adapters trained
over the frozen 4-bit base, next to LoRA over the float model.

1. **Pretrain** the character-level GPT of ``zenax demo`` briefly, in float, on the first
   70% of the standard-library corpus (one token per byte).
2. **Quantize** it with ``zenax.quantize``: every ``Linear`` and both embeddings (the token
   embedding is also the tied LM head), 8-bit affine in groups of 128 and 4-bit affine in
   groups of 64.  The bytes are measured from the arrays (packed codes + scales + zero
   points, plus the biases and LayerNorms left in float) and each model's validation loss
   is printed next to the float model's.
3. **Fine-tune** on the remaining 30% of the corpus (modules the pretraining never saw):
   LoRA over the float model and QLoRA over the 4-bit model -- the same adapters, steps,
   batches and optimizer -- and compare memory and validation loss.  The packed 4-bit
   weights are checked bit for bit after training.
4. **Merge** the QLoRA adapters into float weights, or into re-quantized 4-bit weights.
5. **Save** the 4-bit model and its adapters with ``zenax.io`` (one file, and a sharded
   set of files), and load them back bit-exactly: eagerly, and lazily (memory-mapped).

Run:  python examples/qlora_char_gpt.py [--small] [--out DIR]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

import numpy as np

import zenax
from zenax import data, optim
from zenax.models import apply_lora, combine, count_params, lora_partition, merge_lora
from zenax.models.gpt import GPT, GPTConfig, loss as gpt_loss

# Which layers are quantized is a path filter; this one takes every Linear and Embedding.
# At these sizes the float leftovers (biases, LayerNorms) are ~1% of the weights, so the
# byte ratios hold only if the embeddings are quantized too: the position table alone is
# 2-4% of the model.
SCHEMES = {"int8": dict(bits=8, group_size=128, mode="affine"),
           "int4": dict(bits=4, group_size=64, mode="affine")}


@dataclasses.dataclass(frozen=True)
class Sizes:
    corpus_chars: int | None     # None: the whole corpus (about 1 MB)
    n_embd: int
    n_layer: int
    seq_len: int
    pretrain_steps: int
    finetune_steps: int
    batch: int = 16
    val_windows: int = 64        # validation windows of seq_len + 1 tokens (at most)
    rank: int = 8
    alpha: float = 16.0


FULL = Sizes(corpus_chars=None, n_embd=128, n_layer=4, seq_len=128, pretrain_steps=400,
             finetune_steps=200)
SMALL = Sizes(corpus_chars=150_000, n_embd=128, n_layer=1, seq_len=64, pretrain_steps=60,
              finetune_steps=30, val_windows=32)


def nbytes(tree) -> int:
    """Bytes of a pytree's arrays: for a quantized model the packed codes, scales and
    zero points (a ``QuantizedArray``'s leaves) plus whatever stayed in float."""
    return sum(int(leaf.nbytes) for leaf in zenax.tree_util.tree_leaves(tree))


def corpora(sizes: Sizes) -> dict[str, np.ndarray]:
    """Train/validation token streams of the pretraining and fine-tuning domains."""
    tokens = data.encode(data.stdlib_corpus(sizes.corpus_chars))
    cut = int(0.7 * len(tokens))
    pre_train, pre_val = data.split(tokens[:cut], val_fraction=0.1)
    ft_train, ft_val = data.split(tokens[cut:], val_fraction=0.1)
    return dict(pre_train=pre_train, pre_val=pre_val, ft_train=ft_train, ft_val=ft_val)


def windows(tokens: np.ndarray, sizes: Sizes, seed: int):
    """Endless random batches of ``seq_len + 1`` tokens (gpt.loss predicts tokens[1:])."""
    for x, y in data.batches(tokens, sizes.batch, sizes.seq_len, seed=seed):
        yield np.concatenate([x, y[:, -1:]], axis=1)


_eval_loss = zenax.jit(lambda model, tokens: gpt_loss(model, tokens, training=False))


def validation_loss(model, tokens: np.ndarray, sizes: Sizes) -> float:
    """Mean loss over consecutive, non-overlapping windows of ``tokens`` (the same ones for
    every model), in batches of ``sizes.batch``."""
    width = sizes.seq_len + 1
    n = min(sizes.val_windows, len(tokens) // width) // sizes.batch * sizes.batch
    if n == 0:
        raise ValueError(f"validation_loss: {len(tokens)} tokens make no batch of "
                         f"{sizes.batch} windows of {width}; use a larger corpus.")
    chunks = tokens[:n * width].reshape(-1, sizes.batch, width)
    return float(np.mean([float(_eval_loss(model, chunk)) for chunk in chunks]))


def fit(trainable, frozen, tokens: np.ndarray, sizes: Sizes, steps: int, lr: float, *,
        seed: int = 0):
    """AdamW with warmup and cosine decay on ``trainable``; the model is
    ``combine(trainable, frozen)`` (or ``trainable`` itself when ``frozen`` is None).
    ``frozen`` is an argument of the compiled step, not a constant baked into it."""
    schedule = optim.warmup_cosine_decay_schedule(0.0, lr, warmup_steps=max(1, steps // 10),
                                                  decay_steps=max(steps, 2),
                                                  end_value=lr / 10)
    optimizer = optim.chain(optim.clip_by_global_norm(1.0),
                            optim.adamw(schedule, weight_decay=0.01))
    opt_state = optimizer.init(trainable)

    @zenax.jit
    def step(trainable, frozen, opt_state, tokens):
        def loss_of(trainable):
            model = trainable if frozen is None else combine(trainable, frozen)
            return gpt_loss(model, tokens, training=False)
        loss, grads = zenax.value_and_grad(loss_of)(trainable)
        updates, opt_state = optimizer.update(grads, opt_state, trainable)
        return optim.apply_updates(trainable, updates), opt_state, loss

    batches = windows(tokens, sizes, seed)
    losses = []
    for _ in range(steps):
        trainable, opt_state, loss = step(trainable, frozen, opt_state, next(batches))
        losses.append(loss)
    return trainable, {"losses": [float(v) for v in losses], "opt_state_bytes":
                       nbytes(opt_state)}


def leaves_equal(a, b) -> bool:
    """Same tree structure, and every leaf equal bit for bit, dtype included."""
    la, lb = zenax.tree_util.tree_leaves(a), zenax.tree_util.tree_leaves(b)
    return (zenax.tree_util.tree_structure(a) == zenax.tree_util.tree_structure(b) and
            all(np.asarray(x).dtype == np.asarray(y).dtype and
                np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(la, lb)))


def pretrain(sizes: Sizes, tokens: dict, *, seed: int = 0) -> tuple[GPT, float]:
    config = GPTConfig(vocab_size=data.VOCAB_SIZE, n_positions=sizes.seq_len,
                       n_embd=sizes.n_embd, n_layer=sizes.n_layer, n_head=4)
    model = GPT(config, key=zenax.random.PRNGKey(seed))
    t0 = time.perf_counter()
    model, _ = fit(model, None, tokens["pre_train"], sizes, sizes.pretrain_steps, 3e-3,
                   seed=seed)
    return model, time.perf_counter() - t0


def quantized_variants(model: GPT, sizes: Sizes, tokens: dict) -> dict:
    """The float model and its 8- and 4-bit versions: model, bytes and validation loss."""
    rows = {"float": {"model": model}}
    for name, scheme in SCHEMES.items():
        rows[name] = {"model": zenax.quantize(model, **scheme), "scheme": scheme}
    for row in rows.values():
        row["bytes"] = nbytes(row["model"])
        row["val_loss"] = validation_loss(row["model"], tokens["pre_val"], sizes)
    for row in rows.values():
        row["ratio"] = rows["float"]["bytes"] / row["bytes"]
        row["rel_loss"] = row["val_loss"] / rows["float"]["val_loss"] - 1
    return rows


def finetune(base, sizes: Sizes, tokens: dict, *, seed: int = 1) -> dict:
    """LoRA adapters on every Linear of ``base`` (float or quantized), trained alone."""
    model = apply_lora(base, rank=sizes.rank, alpha=sizes.alpha,
                       key=zenax.random.PRNGKey(seed))
    trainable, frozen = lora_partition(model)
    t0 = time.perf_counter()
    trainable, info = fit(trainable, frozen, tokens["ft_train"], sizes,
                          sizes.finetune_steps, 3e-3, seed=seed)
    tuned = combine(trainable, frozen)
    return {"model": tuned, "trainable": trainable, "frozen": frozen,
            "time_s": time.perf_counter() - t0, "base_bytes": nbytes(base),
            "losses": info["losses"],
            "adapter_bytes": nbytes(trainable), "opt_state_bytes": info["opt_state_bytes"],
            "final_train_loss": float(np.mean(info["losses"][-5:])),
            "val_loss": validation_loss(tuned, tokens["ft_val"], sizes)}


def save_and_load(folder: str, qmodel, adapters, like_model) -> dict:
    """Save the quantized model and its adapters, load them back (eagerly, lazily, and
    from a sharded set of at most four files) and check every array bit for bit."""
    os.makedirs(folder, exist_ok=True)
    model_path = os.path.join(folder, "gpt_int4.safetensors")
    adapters_path = os.path.join(folder, "adapters.safetensors")
    sharded_dir = os.path.join(folder, "gpt_int4_sharded")
    os.makedirs(sharded_dir, exist_ok=True)
    zenax.io.save(model_path, qmodel)
    zenax.io.save(adapters_path, adapters)
    # Shards of a quarter of the bytes plus the largest tensor: at most four files.
    biggest = max(leaf.nbytes for leaf in zenax.tree_util.tree_leaves(qmodel))
    zenax.io.save(sharded_dir, qmodel, max_shard_size=nbytes(qmodel) // 4 + biggest)
    # The template is only shapes: trace the quantization without computing any weights.
    like = zenax.eval_shape(like_model)
    eager = zenax.io.load(model_path, like=like)
    lazy = zenax.io.load(model_path, like=like, lazy=True)
    sharded = zenax.io.load(sharded_dir, like=like, lazy=True)
    return {"model_file_bytes": os.path.getsize(model_path),
            "adapters_file_bytes": os.path.getsize(adapters_path),
            "shards": sorted(f for f in os.listdir(sharded_dir) if f.endswith(".safetensors")),
            "eager_exact": leaves_equal(eager, qmodel), "lazy_exact": leaves_equal(lazy, qmodel),
            "sharded_exact": leaves_equal(sharded, qmodel),
            "adapters_exact": leaves_equal(zenax.io.load(adapters_path, like=adapters),
                                           adapters),
            "lazy_leaf_type": type(lazy.wte.weight.data).__name__,
            "models": {"eager": eager, "lazy": lazy, "sharded": sharded}}


def lora_and_qlora(model: GPT, q4, sizes: Sizes, tokens: dict) -> dict:
    """LoRA over the float model and QLoRA over its 4-bit version, trained alike; the
    QLoRA adapters merged into float and into 4-bit weights; every model's bytes and
    validation loss on the fine-tuning domain, and whether the frozen 4-bit weights came
    out of training bit for bit as they went in."""
    packed_before = [np.array(leaf) for leaf in zenax.tree_util.tree_leaves(q4)]  # copies
    lora = finetune(model, sizes, tokens)
    qlora = finetune(q4, sizes, tokens)
    frozen_after = [np.asarray(leaf) for leaf in
                    zenax.tree_util.tree_leaves(lora_partition(qlora["model"])[1])]
    packed_identical = len(frozen_after) == len(packed_before) and all(
        a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(packed_before, frozen_after))
    merged = {"float": merge_lora(qlora["model"], dequantize=True),
              "4-bit": merge_lora(qlora["model"])}
    rows = {"none (float model)": {"base_bytes": nbytes(model),
                                   "val_loss": validation_loss(model, tokens["ft_val"], sizes)},
            "LoRA, float base": lora, "QLoRA, 4-bit base": qlora}
    for kind, merged_model in merged.items():
        rows[f"QLoRA merged, {kind}"] = {
            "model": merged_model, "base_bytes": nbytes(merged_model),
            "val_loss": validation_loss(merged_model, tokens["ft_val"], sizes)}
    return {"rows": rows, "packed_identical": packed_identical,
            "qlora_vs_lora": qlora["val_loss"] / lora["val_loss"] - 1}


def print_quantized(rows: dict) -> None:
    n_params = count_params(rows["float"]["model"])
    print(f"{'weights':<28}{'bytes':>12}{'bits/param':>11}{'float/bytes':>13}"
          f"{'val loss':>10}{'vs float':>10}")
    for name, row in rows.items():
        scheme = row.get("scheme")
        label = name if scheme is None else \
            f"{name} ({scheme['mode']}, group {scheme['group_size']})"
        print(f"{label:<28}{row['bytes']:>12,}{8 * row['bytes'] / n_params:>11.2f}"
              f"{row['ratio']:>13.2f}{row['val_loss']:>10.4f}{100 * row['rel_loss']:>+9.2f}%")


def print_finetuned(tuned: dict) -> None:
    print(f"{'fine-tuning':<26}{'base bytes':>12}{'adapters':>10}{'Adam state':>12}"
          f"{'val loss':>10}")
    for name, row in tuned["rows"].items():
        print(f"{name:<26}{row['base_bytes']:>12,}{row.get('adapter_bytes', 0):>10,}"
              f"{row.get('opt_state_bytes', 0):>12,}{row['val_loss']:>10.4f}")
    lora, qlora = tuned["rows"]["LoRA, float base"], tuned["rows"]["QLoRA, 4-bit base"]
    print(f"QLoRA vs LoRA validation loss: {100 * tuned['qlora_vs_lora']:+.2f}%; the 4-bit "
          f"base is {lora['base_bytes'] / qlora['base_bytes']:.2f}x smaller; packed weights "
          f"bit-identical after training: {tuned['packed_identical']}")


def print_saved(saved: dict) -> None:
    print(f"saved: 4-bit model {saved['model_file_bytes']:,} bytes, adapters "
          f"{saved['adapters_file_bytes']:,} bytes, sharded set of {len(saved['shards'])} "
          f"files; loaded back bit-exactly: eager {saved['eager_exact']}, lazy "
          f"(memory-mapped {saved['lazy_leaf_type']} leaves) {saved['lazy_exact']}, sharded "
          f"{saved['sharded_exact']}, adapters {saved['adapters_exact']}")


def _figures(row: dict) -> dict:
    """A table row without its models and per-step losses (for summary.json)."""
    return {k: v for k, v in row.items() if k not in ("model", "trainable", "frozen", "losses")}


def run(sizes: Sizes, out: str) -> dict:
    """The whole example; returns the figures and the models (``summary.json`` in ``out``
    gets the figures)."""
    tokens = corpora(sizes)
    print(f"corpus: {sum(len(t) for t in tokens.values()):,} tokens; pretraining on "
          f"{len(tokens['pre_train']):,}, fine-tuning on {len(tokens['ft_train']):,} "
          f"(validation: {len(tokens['pre_val']):,} and {len(tokens['ft_val']):,})")

    model, pretrain_s = pretrain(sizes, tokens)
    print(f"pretrained a GPT (d_model {sizes.n_embd}, {sizes.n_layer} layers, context "
          f"{sizes.seq_len}, {count_params(model):,} parameters) for {sizes.pretrain_steps} "
          f"steps in {pretrain_s:.1f} s\n")
    quantized = quantized_variants(model, sizes, tokens)
    print_quantized(quantized)

    q4 = quantized["int4"]["model"]
    print(f"\nLoRA (rank {sizes.rank}) on every Linear, {sizes.finetune_steps} steps, on "
          f"modules the pretraining did not see:")
    tuned = lora_and_qlora(model, q4, sizes, tokens)
    print_finetuned(tuned)
    qlora = tuned["rows"]["QLoRA, 4-bit base"]

    config = model.config
    saved = save_and_load(os.path.join(out, "checkpoints"), q4, qlora["trainable"],
                          lambda: zenax.quantize(GPT(config, key=zenax.random.PRNGKey(0)),
                                                 **SCHEMES["int4"]))
    print()
    print_saved(saved)
    lazy_loss = validation_loss(saved["models"]["lazy"], tokens["pre_val"], sizes)
    print(f"the lazily loaded 4-bit model's validation loss: {lazy_loss:.4f}")

    summary = {
        "sizes": dataclasses.asdict(sizes), "pretrain_s": pretrain_s,
        "quantized": {k: _figures(row) for k, row in quantized.items()},
        "finetuned": {k: _figures(row) for k, row in tuned["rows"].items()},
        "qlora_vs_lora": tuned["qlora_vs_lora"], "packed_identical": tuned["packed_identical"],
        "saved": {k: v for k, v in saved.items() if k != "models"},
        "lazy_val_loss": lazy_loss}
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    rows = tuned["rows"]
    models = {"float": model, "int8": quantized["int8"]["model"], "int4": q4,
              "lora": rows["LoRA, float base"]["model"], "qlora": qlora["model"],
              "merged_float": rows["QLoRA merged, float"]["model"],
              "merged_int4": rows["QLoRA merged, 4-bit"]["model"], "loaded": saved["models"]}
    return {"summary": summary, "models": models}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="a quick run (the tests' size)")
    parser.add_argument("--out", default="qlora-char-gpt", help="output folder")
    args = parser.parse_args(argv)
    return run(SMALL if args.small else FULL, args.out)


if __name__ == "__main__":
    main()
