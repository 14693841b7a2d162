"""zenax.image against jax.image:

* values of every method on a 2-D and a 3-channel image, growing and shrinking, with and
  without antialiasing -- all of them in one jitted program per library;
* scale_and_translate's values and its derivatives in the image, scale and translation,
  resize's derivative in the image (one jitted program per library), and finite
  differences;
* vmap, the compiled eager path, dtypes (nearest keeps integers, float16 stays), and bad
  input (JAX's exception kinds, messages naming the function).
"""
import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.image
import zenax.lax.image
import zenax.numpy as znp
from zenax.lax import eager
from zenax.test_util import check_grads
from oracle import assert_same, raises_like_jax

rng = np.random.RandomState(0)
IMAGE_2D = jnp.asarray(rng.randn(5, 7).astype(np.float32))
IMAGE_RGB = jnp.asarray(rng.randn(6, 4, 3).astype(np.float32))
METHODS = ("nearest", "linear", "cubic", "lanczos3", "lanczos5", "cubic-pytorch", "area")
TOL = {"float32": (2e-5, 2e-5)}     # the libraries may contract the axes in other orders

# (image, output shape, antialias): up, down, mixed, and a 3-channel image each way.
# Image 0 is the 2-D one, image 1 the 3-channel one.  In the CI tier every method grows
# one axis and shrinks (antialiased) another of the 3-channel image, and two kernels
# shrink the 2-D image without antialiasing; the exhaustive sweep below has the rest.
RESIZES = [(method, 1, (11, 3, 3), True) for method in METHODS] + [
    (method, 0, (3, 12), False) for method in ("lanczos3", "cubic-pytorch")]


def _resizes(resize, *images):
    return {(method, shape, antialias): resize(images[i], shape, method, antialias)
            for method, i, shape, antialias in RESIZES}


def test_every_method_matches_jax_growing_and_shrinking():
    ours = zenax.jit(lambda a, b: _resizes(zenax.image.resize, a, b))(IMAGE_2D, IMAGE_RGB)
    theirs = jax.jit(lambda a, b: _resizes(jax.image.resize, a, b))(IMAGE_2D, IMAGE_RGB)
    for key, expected in theirs.items():
        assert_same(ours[key], expected, tol=TOL, err_msg=str(key))


# scale_and_translate over two spatial axes (one given as -1), shifted, growing one and
# shrinking the other, with its derivatives in every operand; and resize's in the image.
SCALE = jnp.array([1.7, 0.6])
SHIFT = jnp.array([0.3, -1.2])
COTANGENT = jnp.asarray(rng.randn(8, 5).astype(np.float32))
RESIZE_COTANGENT = jnp.asarray(rng.randn(3, 9).astype(np.float32))
GRAD_TOL = {"float32": (1e-4, 1e-4)}


def _scale_and_grads(lib, method, antialias, resize_method):
    """A program (under ``lib``, zenax or jax) of scale_and_translate's value and
    gradients, and resize's gradient in the image."""
    def loss(x, s, t):
        y = lib.image.scale_and_translate(x, (8, 5), (0, -1), s, t, method, antialias)
        return (y * COTANGENT).sum(), y

    def program(image, scale, shift):
        grads, value = lib.grad(loss, argnums=(0, 1, 2), has_aux=True)(image, scale, shift)
        resize_grad = lib.grad(lambda x: (
            lib.image.resize(x, (3, 9), resize_method) * RESIZE_COTANGENT).sum())(image)
        return value, grads, resize_grad
    return lib.jit(program)


def test_values_and_derivatives_match_jax():
    # PyTorch's cubic without antialiasing: the edge-repeating weights.
    case = ("cubic-pytorch", False, "linear")
    theirs = _scale_and_grads(jax, *case)(IMAGE_2D, SCALE, SHIFT)
    assert_same(_scale_and_grads(zenax, *case)(IMAGE_2D, SCALE, SHIFT), theirs, tol=GRAD_TOL)
    # Called eagerly on concrete arrays, scale_and_translate runs compiled.
    compiled = zenax.lax.image._scale_and_translate
    before, calls = dict(eager.fallbacks), compiled.compiled_calls
    value = zenax.image.scale_and_translate(IMAGE_2D, (8, 5), (0, -1), SCALE, SHIFT,
                                            "cubic-pytorch", False)
    assert compiled.compiled_calls == calls + 1 and eager.fallbacks == before
    assert_same(value, theirs[0], tol=TOL)


@pytest.mark.exhaustive
@pytest.mark.parametrize("method,antialias,resize_method", [
    ("linear", True, "cubic"), ("cubic", False, "lanczos3"), ("lanczos3", True, "lanczos5"),
    ("lanczos5", False, "area"), ("cubic-pytorch", True, "nearest"),
    ("area", True, "cubic-pytorch")])
def test_values_and_derivatives_of_every_method_match_jax(method, antialias, resize_method):
    case = (method, antialias, resize_method)
    assert_same(_scale_and_grads(zenax, *case)(IMAGE_2D, SCALE, SHIFT),
                _scale_and_grads(jax, *case)(IMAGE_2D, SCALE, SHIFT), tol=GRAD_TOL)


def test_derivatives_match_finite_differences():
    check_grads(zenax.jit(lambda x, t: zenax.image.scale_and_translate(
        x, (5,), (0,), jnp.array([1.5]), t, "cubic")),
        (np.asarray(IMAGE_2D[0, :3]), np.array([0.2], np.float32)), order=1,
        modes=("fwd",), atol=2e-2, rtol=2e-2)     # reverse mode is checked against JAX


def test_vmap_matches_jax():
    # Batched images and scales: the weight matrices are batched too.
    def program(lib):
        return lib.jit(lib.vmap(lambda im, sc: lib.image.scale_and_translate(
            im, (4, 9), (0, 1), sc, jnp.zeros(2), "lanczos3")))
    images = jnp.stack([IMAGE_2D, 2 * IMAGE_2D, -IMAGE_2D])
    scales = jnp.array([[0.8, 1.3], [1.1, 2.0], [0.5, 0.5]])
    assert_same(program(zenax)(images, scales), program(jax)(images, scales), tol=TOL)


def test_eager_calls_run_compiled_and_keep_dtypes():
    compiled = zenax.lax.image._resize
    before, calls = dict(eager.fallbacks), compiled.compiled_calls
    ints = jnp.arange(12, dtype=jnp.int32).reshape(3, 4)
    for args in [(ints, (5, 2), "nearest"), (ints, (5, 2), "linear"),
                 (IMAGE_2D.astype(jnp.float16), (3, 9), "bicubic"),
                 (IMAGE_2D, (5, 7), "linear")]:
        assert_same(zenax.image.resize(*args), jax.image.resize(*args),
                    tol={"float16": (2e-3, 2e-3)}, err_msg=str(args[1:]))
    assert compiled.compiled_calls == calls + 4, "resize did not run compiled"
    assert eager.fallbacks == before, "resize fell back to the plain path"
    # Python scalars and NumPy arrays take the plain path, with JAX's weak type.
    assert_same(zenax.image.resize(2.0, (), "linear"), jax.image.resize(2.0, (), "linear"))
    assert_same(zenax.image.resize(np.arange(3), [6], zenax.image.ResizeMethod.NEAREST),
                jax.image.resize(np.arange(3), [6], jax.image.ResizeMethod.NEAREST))


def test_resize_method_names_match_jax():
    assert [m.name for m in zenax.image.ResizeMethod] == [m.name for m in jax.image.ResizeMethod]
    assert [m.value for m in zenax.image.ResizeMethod] == [
        m.value for m in jax.image.ResizeMethod]
    for name in ("nearest", "linear", "bilinear", "trilinear", "triangle", "lanczos3",
                 "lanczos5", "cubic", "bicubic", "tricubic", "cubic-pytorch",
                 "bicubic-pytorch", "area"):
        assert (zenax.image.ResizeMethod.from_string(name).name
                == jax.image.ResizeMethod.from_string(name).name)


def test_bad_input_raises_like_jax():
    x = IMAGE_2D
    z, j = zenax.image.resize, jax.image.resize
    raises_like_jax(z, j, x, (4, 6), "bogus", match="bogus")
    raises_like_jax(z, j, x, (2, 3, 1), "linear", match="resize.*shape")
    raises_like_jax(z, j, x, (2.5, 3), "linear", match="resize.*shape")
    raises_like_jax(zenax.jit(lambda n: zenax.image.resize(x, (n, 7), "linear")),
                    jax.jit(lambda n: jax.image.resize(x, (n, 7), "linear")), 3,
                    match="resize: shape")
    args = (x, (4, 6), (0, 1), jnp.array([2., 2.]), jnp.zeros(2))
    st_z, st_j = zenax.image.scale_and_translate, jax.image.scale_and_translate
    raises_like_jax(st_z, st_j, *args, "bogus", match="bogus")
    raises_like_jax(st_z, st_j, *args, "nearest", match="scale_and_translate")
    raises_like_jax(st_z, st_j, x, (4, 6, 1), (0, 1), *args[3:], "linear",
                    match="scale_and_translate.*shape")
    raises_like_jax(st_z, st_j, x, (4, 6), (0, 1), [2., 2.], jnp.zeros(2), "linear",
                    match="scale_and_translate")
    raises_like_jax(st_z, st_j, x, (4, 6), (0, 1), jnp.array(2.), jnp.zeros(2), "linear",
                    match="scale_and_translate.*scale")
    # JAX raises AssertionError for these; zenax says what is wrong.
    with pytest.raises(TypeError, match="resize: method"):
        zenax.image.resize(x, (4, 6), 3)
    with pytest.raises(ValueError, match="scale_and_translate: scale"):
        zenax.image.scale_and_translate(x, (4, 6), (0,), *args[3:], "linear")


def test_docstring_examples_hold():
    result = doctest.testmod(zenax.lax.image, extraglobs={"jnp": znp, "zenax": zenax},
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.exhaustive
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("antialias", [True, False])
def test_eager_sweep_matches_jax(method, antialias):
    for image in (IMAGE_2D, IMAGE_RGB):
        for factor in (0.3, 0.5, 0.9, 1.4, 2.0, 3.7):
            shape = tuple(max(1, round(n * factor)) if n != 3 else n for n in image.shape)
            shape = shape[:1] + (image.shape[1] + 2,) + shape[2:]    # and one axis grows
            assert_same(zenax.image.resize(image, shape, method, antialias),
                        jax.image.resize(image, shape, method, antialias), tol=TOL,
                        err_msg=str((shape, method, antialias)))
