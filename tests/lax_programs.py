"""Small programs written once against a lax module, so the same code runs with
``zenax.lax`` (under zenax's transforms) and ``jax.lax`` (under JAX's, as the oracle).

Each function takes the module ``L`` first:

    >>> import jax, zenax
    >>> params, x, y = mlp_data()
    >>> zenax.grad(lambda p: mlp_loss(zenax.lax, p, x, y))(params)   # == jax.grad(...jax.lax...)
"""
import numpy as np

MATMUL = (((1,), (0,)), ((), ()))


def dense(L, x, w, b):
    """``x @ w + b`` for a batch ``x`` of shape (n, d_in)."""
    y = L.dot_general(x, w, MATMUL)
    return L.add(y, L.broadcast_in_dim(b, y.shape, (1,)))


def mlp_loss(L, params, x, y):
    """Mean squared error of a 2-layer tanh MLP; ``params`` = ``[(w1, b1), (w2, b2)]``."""
    (w1, b1), (w2, b2) = params
    out = dense(L, L.tanh(dense(L, x, w1, b1)), w2, b2)
    err = L.sub(out, y)
    return L.div(L.reduce_sum(L.mul(err, err), (0, 1)), float(err.size))


def mlp_loss_dict(L, params, x, y):
    """The same MLP with parameters in a dict of dicts."""
    layers = [(params[k]["w"], params[k]["b"]) for k in ("hidden", "out")]
    return mlp_loss(L, layers, x, y)


def softmax_cross_entropy(L, logits, labels):
    """Mean cross-entropy of softmax(logits) against one-hot ``labels``, shape (n, k)."""
    shape = logits.shape
    shifted = L.sub(logits, L.broadcast_in_dim(L.reduce_max(logits, (1,)), shape, (0,)))
    log_z = L.log(L.reduce_sum(L.exp(shifted), (1,)))
    log_p = L.sub(shifted, L.broadcast_in_dim(log_z, shape, (0,)))
    return L.neg(L.div(L.reduce_sum(L.mul(log_p, labels), (0, 1)), float(shape[0])))


def mlp_data(seed=0, n=5, d_in=3, d_hidden=4, d_out=2):
    rng = np.random.RandomState(seed)
    f = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    params = [(f(d_in, d_hidden), f(d_hidden)), (f(d_hidden, d_out), f(d_out))]
    return params, f(n, d_in), f(n, d_out)


def mlp_dict_data(seed=0):
    (w1, b1), (w2, b2) = mlp_data(seed)[0]
    _, x, y = mlp_data(seed)
    return {"hidden": {"w": w1, "b": b1}, "out": {"w": w2, "b": b2}}, x, y


def softmax_data(seed=0, n=3, k=4):
    rng = np.random.RandomState(seed)
    logits = rng.standard_normal((n, k)).astype(np.float32)
    labels = np.eye(k, dtype=np.float32)[rng.randint(0, k, n)]
    return logits, labels
