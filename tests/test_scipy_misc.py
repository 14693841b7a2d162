"""The small zenax.scipy modules against their jax.scipy twins (and SciPy, as JAX's own
tests check them): integrate.trapezoid, ndimage.map_coordinates,
interpolate.RegularGridInterpolator, cluster.vq.vq and spatial.transform's Rotation and
Slerp.

* spec rows: eager, jit, jvp/vjp and vmap against JAX (derivatives through trapezoid,
  map_coordinates' values and coordinates, the interpolator's values and points, vq's
  distances, and the rotation conversions);
* every option against JAX: map_coordinates' orders, modes, cval and integer input; the
  interpolator's methods, fill values, point layouts and trailing value axes, as a pytree
  through jit and vmap; every Rotation conversion (gimbal lock included) and Slerp;
* the compiled eager path of the functions JAX jits (trapezoid, map_coordinates);
* bad input: JAX's exception kinds, messages naming the function;
* the ``>>>`` examples in the docstrings of every module of this issue (signal and
  optimize included) print what they say.
"""
import doctest
import importlib
import warnings

import jax
import jax.numpy as jnp
import jax.scipy.cluster.vq as jvq
import jax.scipy.integrate as jintegrate
import jax.scipy.interpolate as jinterpolate
import jax.scipy.ndimage as jndimage
import jax.scipy.spatial.transform as jtransform
import numpy as np
import pytest
import scipy.cluster.vq as osp_vq
import scipy.integrate as osp_integrate
import scipy.interpolate as osp_interpolate
import scipy.ndimage as osp_ndimage
import scipy.spatial.transform as osp_transform

import zenax
import zenax.numpy as znp
import zenax.scipy.cluster.vq as zvq
import zenax.scipy.integrate as zintegrate
import zenax.scipy.interpolate as zinterpolate
import zenax.scipy.ndimage as zndimage
import zenax.scipy.spatial.transform as ztransform
from zenax.lax import eager

from jnp_spec_checks import spec_tests
from oracle import assert_same
from spec import Arg, Case, Domain, Spec, f32

# Rotation conversions chain a few trigonometric functions and square roots.
ROT_TOL = {"float32": (5e-5, 5e-5)}

GRID = (np.array([0., 1., 2.5, 3., 5.], np.float32), np.array([-1., 0., 2., 4.], np.float32))


def _map_coordinates(m):
    return lambda x, c0, c1, **p: m.map_coordinates(x, [c0, c1], **p)


def _interpolate(m):
    return lambda values, xi, **p: m.RegularGridInterpolator(GRID, values, **p)(xi)


def _rotation(make, convert):
    def wrap(m):
        return lambda x: convert(make(m.Rotation, x))
    return wrap


def _slerp(m):
    def interpolate(q, t):
        keys = m.Rotation.from_quat(q)
        return m.Slerp.init(np.array([0., 1., 2.5, 4.], np.float32), keys)(t).as_quat()
    return interpolate


def _row(name, module_pair, cases, wrap=None, domains=Domain(-2.0, 2.0), tol=None):
    z_module, j_module = module_pair
    if wrap is None:
        fun = name.split("/")[0]
        zfun, jfun = getattr(z_module, fun), getattr(j_module, fun)
    else:
        zfun, jfun = wrap(z_module), wrap(j_module)
    return Spec(name, zfun, jfun, cases, (f32,), domains, tol=tol or {}, differentiable=True)


COORDS = Domain(-1.5, 6.5)
INTEGRATE, NDIMAGE = (zintegrate, jintegrate), (zndimage, jndimage)
INTERPOLATE, VQ, TRANSFORM = ((zinterpolate, jinterpolate), (zvq, jvq),
                              (ztransform, jtransform))
QUAT = Case((Arg((4, 4)),))

SPECS = [
    _row("trapezoid", INTEGRATE, (
        Case((Arg((3, 5)),)),
        Case((Arg((3, 5)), Arg((5,))), label="x"),
        Case((Arg((4, 3)),), {"dx": 0.5, "axis": 0}, label="dx"))),
    _row("map_coordinates", NDIMAGE, (
        Case((Arg((5, 6)), Arg((7,), domain=COORDS), Arg((7,), domain=COORDS)),
             {"order": 1}),
        Case((Arg((5, 6)), Arg((3, 2), domain=COORDS), Arg((3, 2), domain=COORDS)),
             {"order": 1, "mode": "mirror"}, label="mirror"),
        Case((Arg((5, 6)), Arg((7,), domain=COORDS), Arg((7,), domain=COORDS)),
             {"order": 0, "mode": "wrap"}, label="nearest-wrap"),
        Case((Arg((5, 6)), Arg((7,), domain=COORDS), Arg((7,), domain=COORDS)),
             {"order": 1, "mode": "reflect", "cval": 2.0}, label="reflect")),
        wrap=_map_coordinates),
    _row("RegularGridInterpolator", INTERPOLATE, (
        Case((Arg((5, 4)), Arg((6, 2), domain=Domain(-0.5, 4.5)))),
        Case((Arg((5, 4, 2)), Arg((3, 2), domain=Domain(0.0, 3.0))),
             {"method": "nearest", "fill_value": None}, label="nearest")),
        wrap=_interpolate),
    _row("vq", VQ, (Case((Arg((6, 3)), Arg((4, 3)))), Case((Arg((5,)), Arg((3,))),
                                                           label="1d"))),
    _row("Rotation/matrix", TRANSFORM, (QUAT,), tol=ROT_TOL,
         wrap=_rotation(lambda R, q: R.from_quat(q), lambda r: r.as_matrix())),
    _row("Rotation/euler", TRANSFORM, (Case((Arg((3, 3)),)),), tol=ROT_TOL,
         wrap=_rotation(lambda R, a: R.from_euler("zyx", a), lambda r: r.as_euler("XZX"))),
    _row("Rotation/rotvec", TRANSFORM, (Case((Arg((3, 3)),)),), tol=ROT_TOL,
         wrap=_rotation(lambda R, v: R.from_rotvec(v), lambda r: r.as_rotvec())),
    _row("Rotation/mrp", TRANSFORM, (Case((Arg((3, 3)),)),), tol=ROT_TOL,
         wrap=_rotation(lambda R, v: R.from_mrp(v), lambda r: (r * r.inv()[::-1]).as_mrp())),
    _row("Rotation/apply", TRANSFORM, (QUAT,), tol=ROT_TOL,
         wrap=_rotation(lambda R, q: R.from_matrix(R.from_quat(q).as_matrix()),
                        lambda r: (r.apply(np.array([1., 2., 3.], np.float32)),
                                   r.magnitude()))),
    _row("Slerp", TRANSFORM, (Case((Arg((4, 4)), Arg((5,), domain=Domain(0.0, 4.0)))),),
         wrap=_slerp, tol=ROT_TOL),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 _) = spec_tests(SPECS)


def test_table_is_well_formed():
    names = [s.name for s in SPECS]
    assert len(set(names)) == len(names), "row names must be unique"
    modules = (zintegrate, zndimage, zinterpolate, zvq, ztransform)
    public = {name for m in modules for name in m.__all__}
    assert {n.split("/")[0] for n in names} == public


rng = np.random.RandomState(0)


def assert_runs_compiled(fn, *args, **kwargs):
    """``fn`` called eagerly on concrete arrays runs as one compiled executable."""
    before, calls = dict(eager.fallbacks), fn.compiled_calls
    out = fn(*args, **kwargs)
    assert fn.compiled_calls == calls + 1, f"{fn.__name__} did not run compiled"
    assert eager.fallbacks == before, f"{fn.__name__} fell back to the plain path"
    return out


# ## integrate.trapezoid

def test_trapezoid_like_jax_and_scipy():
    y, x = rng.randn(4, 6).astype(np.float32), np.sort(rng.randn(6)).astype(np.float32)
    for args, kwargs in [((y,), {}), ((y, x), {}), ((y,), {"dx": 0.3, "axis": 0}),
                         ((np.arange(5),), {"dx": 2})]:
        z = zintegrate.trapezoid(*args, **kwargs)
        assert_same(z, jintegrate.trapezoid(*args, **kwargs))
        np.testing.assert_allclose(z, osp_integrate.trapezoid(*args, **kwargs), rtol=1e-5)
    z = assert_runs_compiled(zintegrate.trapezoid, jnp.asarray(y), jnp.asarray(x), axis=-1)
    assert_same(z, jintegrate.trapezoid(y, x))
    with pytest.raises(TypeError, match="trapezoid requires ndarray"):
        zintegrate.trapezoid([1.0, 2.0])


# ## ndimage.map_coordinates

IMAGE = rng.randn(5, 6).astype(np.float32)
POINTS = [rng.uniform(-7, 12, 9).astype(np.float32) for _ in range(2)]


@pytest.mark.parametrize("order", [0, 1])
def test_map_coordinates_like_jax_and_scipy(order):
    # JAX's 'constant' and 'wrap' are SciPy's 'grid-constant' and 'grid-wrap'.
    scipy_modes = {"constant": "grid-constant", "wrap": "grid-wrap", "nearest": "nearest",
                   "mirror": "mirror", "reflect": "reflect"}
    for mode, scipy_mode in scipy_modes.items():
        z = zndimage.map_coordinates(IMAGE, POINTS, order, mode, 0.5)
        assert_same(z, jndimage.map_coordinates(IMAGE, POINTS, order, mode, 0.5))
        expected = osp_ndimage.map_coordinates(IMAGE, POINTS, order=order, mode=scipy_mode,
                                               cval=0.5)
        np.testing.assert_allclose(z, expected, rtol=1e-5, atol=1e-5, err_msg=mode)


def test_map_coordinates_inputs():
    ints = np.arange(30, dtype=np.int32).reshape(5, 6)
    inside = [np.array([0.5, 1.25, 3.5], np.float32), np.array([2.5, 0., 4.75], np.float32)]
    for input_, coordinates, order in [
            (ints, inside, 1),                                  # rounded half away
            (ints, [np.array([1, 3]), np.array([2, 9])], 0),    # integer coordinates
            (IMAGE, [[0.3, 1.5], [2.0, 4.7]], 1),               # lists of floats
            (IMAGE, np.stack(inside), 1),                       # one 2-D array
            (IMAGE, inside, False)]:
        assert_same(zndimage.map_coordinates(input_, coordinates, order),
                    jndimage.map_coordinates(input_, coordinates, order))
    out = assert_runs_compiled(zndimage.map_coordinates, jnp.asarray(IMAGE),
                               [jnp.asarray(c) for c in POINTS], 1, mode="nearest")
    assert_same(out, jndimage.map_coordinates(IMAGE, POINTS, 1, mode="nearest"))
    grads = [lib.grad(lambda x, c: lib_mod.map_coordinates(x, c, 1, "reflect").sum(),
                      argnums=(0, 1))(IMAGE, POINTS)
             for lib, lib_mod in ((zenax, zndimage), (jax, jndimage))]
    assert_same(*grads)


@pytest.mark.parametrize("args,kwargs,kind,match", [
    ((IMAGE, POINTS[:1], 1), {}, ValueError, "one array per axis"),
    ((IMAGE, POINTS, 3), {}, NotImplementedError, "order"),
    ((IMAGE, POINTS, 1), {"mode": "grid-wrap"}, NotImplementedError, "mode"),
])
def test_map_coordinates_bad_input(args, kwargs, kind, match):
    with pytest.raises(kind):
        jndimage.map_coordinates(*args, **kwargs)
    with pytest.raises(kind, match=f"map_coordinates: .*{match}"):
        zndimage.map_coordinates(*args, **kwargs)


# ## interpolate.RegularGridInterpolator

VALUES = rng.randn(5, 4).astype(np.float32)
QUERY = np.stack([rng.uniform(-1, 6, 8), rng.uniform(-2, 5, 8)], -1).astype(np.float32)


def interpolators(*args, **kwargs):
    return (zinterpolate.RegularGridInterpolator(*args, **kwargs),
            jinterpolate.RegularGridInterpolator(*args, **kwargs))


@pytest.mark.parametrize("method", ["linear", "nearest"])
def test_regular_grid_interpolator_like_jax_and_scipy(method):
    for kwargs in ({}, {"fill_value": None}, {"fill_value": -3}):
        z, j = interpolators(GRID, VALUES, method=method, **kwargs)
        assert_same(z(QUERY), j(QUERY))
        expected = osp_interpolate.RegularGridInterpolator(
            GRID, VALUES, method=method, bounds_error=False,
            fill_value=kwargs.get("fill_value", np.nan))(QUERY)
        np.testing.assert_allclose(z(QUERY), expected, rtol=1e-5, atol=1e-5)
    # Points as a tuple of coordinate arrays, as one point, as a (2, 3, 2) batch; the
    # method chosen at call time; trailing axes of the values.
    z, j = interpolators(GRID, np.stack([VALUES, 2 * VALUES], -1))
    for xi in [(QUERY[:, 0], QUERY[:, 1]), QUERY[0], QUERY[:6].reshape(2, 3, 2)]:
        assert_same(z(xi, method=method), j(xi, method=method))


def test_regular_grid_interpolator_is_a_pytree():
    z, j = interpolators(GRID, VALUES, fill_value=0.0)
    assert_same(zenax.jit(lambda f, x: f(x))(z, QUERY), jax.jit(lambda f, x: f(x))(j, QUERY))
    assert_same(zenax.tree_util.tree_leaves(z), jax.tree_util.tree_leaves(j))
    stacked = np.stack([VALUES, -VALUES])
    assert_same(
        zenax.vmap(lambda v: zinterpolate.RegularGridInterpolator(GRID, v)(QUERY))(stacked),
        jax.vmap(lambda v: jinterpolate.RegularGridInterpolator(GRID, v)(QUERY))(stacked))
    grads = [lib.grad(lambda v, x: m.RegularGridInterpolator(GRID, v)(x).sum(),
                      argnums=(0, 1))(VALUES, QUERY[2:5])
             for lib, m in ((zenax, zinterpolate), (jax, jinterpolate))]
    assert_same(*grads)


@pytest.mark.parametrize("args,kwargs,call,kind", [
    ((GRID, VALUES), {"method": "cubic"}, None, ValueError),
    ((GRID, VALUES), {"bounds_error": True}, None, NotImplementedError),
    ((GRID, VALUES), {"fill_value": 1j}, None, ValueError),
    ((GRID + (GRID[0],), VALUES), {}, None, ValueError),
    ((GRID, VALUES.tolist()), {}, None, TypeError),
    ((GRID, VALUES), {}, (np.ones((2, 3), np.float32),), ValueError),
    ((GRID, VALUES), {}, (QUERY, "spline"), ValueError),
])
def test_regular_grid_interpolator_bad_input(args, kwargs, call, kind):
    for module in (jinterpolate, zinterpolate):
        with pytest.raises(kind, match="RegularGridInterpolator" if module is zinterpolate
                           else None):
            interp = module.RegularGridInterpolator(*args, **kwargs)
            if call is not None:
                interp(*call)


# ## cluster.vq.vq

def test_vq_like_jax_and_scipy():
    obs, book = rng.randn(10, 3).astype(np.float32), rng.randn(4, 3).astype(np.float32)
    for o, b in [(obs, book), (obs[:, 0], book[:, 0]), (np.arange(5), np.array([1, 3]))]:
        z = zvq.vq(o, b)
        assert_same(z, jvq.vq(o, b))
        codes, dist = osp_vq.vq(o, b)
        np.testing.assert_array_equal(z[0], codes)
        np.testing.assert_allclose(z[1], dist, rtol=1e-5)
    assert_same(zvq.vq(obs, book, check_finite=False), jvq.vq(obs, book))
    with pytest.raises(ValueError, match="vq: .*same rank"):
        zvq.vq(obs, book[0])
    with pytest.raises(ValueError, match="vq: .*1- or 2-dimensional"):
        zvq.vq(obs[None], book[None])
    with pytest.raises(TypeError, match="vq requires ndarray"):
        zvq.vq([[1.0]], book)


# ## spatial.transform

ZR, JR, ZS, JS = ztransform.Rotation, jtransform.Rotation, ztransform.Slerp, jtransform.Slerp
QUATS = rng.randn(6, 4).astype(np.float32)
ANGLES = rng.uniform(-3, 3, (6, 3)).astype(np.float32)


def rotations(method, *args, **kwargs):
    return getattr(ZR, method)(*args, **kwargs), getattr(JR, method)(*args, **kwargs)


def assert_rotations(z, j, tol=ROT_TOL):
    assert_same(tuple(z), tuple(j), tol=tol)


def test_rotation_conversions_like_jax_and_scipy():
    z, j = rotations("from_quat", QUATS)
    sp = osp_transform.Rotation.from_quat(QUATS)
    for name, kwargs in [("as_matrix", {}), ("as_mrp", {}), ("as_rotvec", {}),
                         ("as_rotvec", {"degrees": True}), ("as_quat", {}),
                         ("as_quat", {"canonical": True, "scalar_first": True}),
                         ("magnitude", {})]:
        tol = {"float32": (5e-5, 2e-4)} if kwargs.get("degrees") else ROT_TOL
        out = getattr(z, name)(**kwargs)
        assert_same(out, getattr(j, name)(**kwargs), tol=tol, err_msg=name)
        np.testing.assert_allclose(out, getattr(sp, name)(**kwargs), rtol=1e-4, atol=1e-4,
                                   err_msg=name)
    matrices = np.concatenate([z.as_matrix(), np.diag([-1., -1., 1.])[None],
                               np.diag([1., -1., -1.])[None], np.diag([-1., 1., -1.])[None]])
    for method, arg in [("from_matrix", matrices.astype(np.float32)),
                        ("from_mrp", QUATS[:, :3]), ("from_rotvec", QUATS[:, :3]),
                        ("from_rotvec", 1e-4 * QUATS[:, :3]), ("from_quat", [1, 2, 3, 4])]:
        assert_rotations(*rotations(method, arg))
    assert_rotations(*rotations("from_rotvec", QUATS[0, :3] * 30, degrees=True))
    assert_rotations(*rotations("identity"))
    assert_rotations(*rotations("identity", dtype=np.int32))


@pytest.mark.parametrize("seq", ["xyz", "ZYX", "zxz", "XYX", "yzx"])
def test_euler_angles_like_jax_and_scipy(seq):
    z, j = rotations("from_euler", seq, ANGLES)
    assert_rotations(z, j)
    sp = osp_transform.Rotation.from_euler(seq, ANGLES)
    np.testing.assert_allclose(z.as_quat(), sp.as_quat(), rtol=1e-4, atol=1e-5)
    for out_seq in ("xyz", "ZXZ", "yxy", "XZY"):
        angles = z.as_euler(out_seq)
        assert_same(angles, j.as_euler(out_seq), tol={"float32": (1e-4, 1e-4)})
        np.testing.assert_allclose(angles, sp.as_euler(out_seq), rtol=1e-4, atol=1e-4)
    # Gimbal lock (middle angle 0 or pi) and degrees; one, two or three axes.
    for angles in ([10., 0., 20.], [10., 180., 20.], [0., 90., 0.]):
        assert_same(ZR.from_euler(seq, np.float32(angles), degrees=True).as_euler(
                        seq, degrees=True),
                    JR.from_euler(seq, np.float32(angles), degrees=True).as_euler(
                        seq, degrees=True), tol={"float32": (1e-4, 1e-3)})
    assert_rotations(*rotations("from_euler", seq[:2], ANGLES[:, :2]))
    assert_rotations(*rotations("from_euler", seq[0], 30, degrees=True))


def test_rotation_operations_like_jax():
    (z, j), (z2, j2) = rotations("from_quat", QUATS), rotations("from_quat", QUATS[::-1])
    vectors = rng.randn(6, 3).astype(np.float32)
    assert_rotations(z * z2, j * j2)
    assert_rotations(z * z2[0], j * j2[0])
    assert_rotations(z.inv(), j.inv())
    assert_rotations(z[1:3], j[1:3])
    assert_rotations(z[np.array([4, 0])], j[np.array([4, 0])])
    assert_rotations(ZR.concatenate([z, z2[:2]]), JR.concatenate([j, j2[:2]]))
    assert len(z) == len(j) == 6 and z[0].single and not z.single
    for v, inverse in [(vectors, False), (vectors[0], True), (np.array([1, 2, 3]), False)]:
        assert_same(z.apply(v, inverse=inverse), j.apply(v, inverse=inverse), tol=ROT_TOL)
    assert_same(z[0].apply(vectors), j[0].apply(vectors), tol=ROT_TOL)
    mean_tol = {"float32": (1e-4, 1e-5)}
    assert_rotations(z.mean(), j.mean(), mean_tol)
    assert_rotations(z.mean(np.arange(6.)), j.mean(np.arange(6.)), mean_tol)
    assert_same(zenax.jit(lambda r: r.as_euler("xyz"))(z),
                jax.jit(lambda r: r.as_euler("xyz"))(j), tol={"float32": (1e-4, 1e-4)})


def test_slerp_like_jax_and_scipy():
    times = np.array([0., 1., 3., 4.5, 5., 7.], np.float32)
    at = np.array([0., 0.3, 1., 2.2, 4.9, 5., 6.9], np.float32)
    z, j = ZS.init(times, ZR.from_quat(QUATS)), JS.init(times, JR.from_quat(QUATS))
    assert_same((z.times, z.timedelta, z.rotvecs), (j.times, j.timedelta, j.rotvecs),
                tol=ROT_TOL)
    assert_rotations(z(at), j(at), {"float32": (1e-4, 1e-5)})
    assert_rotations(z(2.5), j(2.5), {"float32": (1e-4, 1e-5)})
    sp = osp_transform.Slerp(times, osp_transform.Rotation.from_quat(QUATS))(at)
    np.testing.assert_allclose(z(at).as_matrix(), sp.as_matrix(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("build,kind", [
    (lambda R, S: R.from_euler("xyzx", ANGLES[0]), ValueError),
    (lambda R, S: R.from_euler("xYz", ANGLES[0]), ValueError),
    (lambda R, S: R.from_euler("xxy", ANGLES[0]), ValueError),
    (lambda R, S: R.from_euler("abc", ANGLES[0]), ValueError),
    (lambda R, S: R.from_euler("z", ANGLES[0]), ValueError),
    (lambda R, S: R.from_quat(QUATS).as_euler("xy"), ValueError),
    (lambda R, S: R.from_quat(QUATS).as_euler("xzz"), ValueError),
    (lambda R, S: len(R.from_quat(QUATS[0])), TypeError),
    (lambda R, S: R.from_quat(QUATS[0])[0], TypeError),
    (lambda R, S: R.from_quat(QUATS).mean(np.ones(5)), ValueError),
    (lambda R, S: R.from_quat(QUATS).mean(np.ones((6, 1))), ValueError),
    (lambda R, S: R.random(None), NotImplementedError),
    (lambda R, S: S.init(np.arange(6.), QUATS), TypeError),
    (lambda R, S: S.init(np.arange(1.), R.from_quat(QUATS[:1])), ValueError),
    (lambda R, S: S.init(np.arange(4.), R.from_quat(QUATS)), ValueError),
    (lambda R, S: S.init(np.ones((6, 1)), R.from_quat(QUATS)), ValueError),
    (lambda R, S: S.init(np.arange(6.), R.from_quat(QUATS))(np.ones((2, 2))), ValueError),
])
def test_transform_bad_input_raises_like_jax(build, kind):
    with pytest.raises(kind):
        build(JR, JS)
    with pytest.raises(kind):
        build(ZR, ZS)


def test_transform_error_messages():
    with pytest.raises(ValueError, match="Rotation: consecutive axes must differ"):
        ZR.from_euler("xxy", ANGLES[0])
    with pytest.raises(ValueError, match="Rotation.from_euler: angles must have 1"):
        ZR.from_euler("z", ANGLES[0])
    with pytest.raises(ValueError, match="Slerp.init: got 6 rotations and 4 times"):
        ZS.init(np.arange(4.), ZR.from_quat(QUATS))
    # JAX asserts num is None; zenax says what is supported.
    with pytest.raises(NotImplementedError, match="num=None"):
        ZR.identity(3)


# ## the docstring examples of this modules

@pytest.mark.parametrize("name", [
    "zenax.lax.scipy.signal", "zenax.lax.scipy.signal_spectral",
    "zenax.lax.scipy.integrate", "zenax.lax.scipy.ndimage", "zenax.lax.scipy.interpolate",
    "zenax.lax.scipy.cluster.vq", "zenax.lax.scipy.spatial.transform",
    "zenax.transforms.scipy_optimize"])
def test_examples_in_docstrings_hold(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = doctest.testmod(importlib.import_module(name),
                                 extraglobs={"jnp": znp, "zenax": zenax, "np": np},
                                 optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0, result
