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
from types import SimpleNamespace

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

from jnp_spec_checks import assert_runs_compiled, spec_tests
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


def _row(name, module_pair, cases, wrap=None, domains=Domain(-2.0, 2.0), tol=None):
    z_module, j_module = module_pair
    if wrap is None:
        fun = name.split("/")[0].split(".")[-1]
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
    _row("integrate.trapezoid", INTEGRATE, (
        Case((Arg((3, 5)),)),
        Case((Arg((3, 5)), Arg((5,))), label="x"),
        Case((Arg((4, 3)),), {"dx": 0.5, "axis": 0}, label="dx"))),
    _row("ndimage.map_coordinates", NDIMAGE, (
        Case((Arg((5, 6)), Arg((7,), domain=COORDS), Arg((7,), domain=COORDS)),
             {"order": 1}),
        Case((Arg((5, 6)), Arg((3, 2), domain=COORDS), Arg((3, 2), domain=COORDS)),
             {"order": 1, "mode": "mirror"}, label="mirror"),
        Case((Arg((5, 6)), Arg((7,), domain=COORDS), Arg((7,), domain=COORDS)),
             {"order": 0, "mode": "wrap"}, label="nearest-wrap"),
        Case((Arg((5, 6)), Arg((7,), domain=COORDS), Arg((7,), domain=COORDS)),
             {"order": 1, "mode": "reflect", "cval": 2.0}, label="reflect")),
        wrap=_map_coordinates),
    _row("interpolate.RegularGridInterpolator", INTERPOLATE, (
        Case((Arg((5, 4)), Arg((6, 2), domain=Domain(-0.5, 4.5)))),
        Case((Arg((5, 4, 2)), Arg((3, 2), domain=Domain(0.0, 3.0))),
             {"method": "nearest", "fill_value": None}, label="nearest")),
        wrap=_interpolate),
    _row("cluster.vq.vq", VQ, (Case((Arg((6, 3)), Arg((4, 3)))), Case((Arg((5,)), Arg((3,))),
                                                           label="1d"))),
    _row("spatial.transform.Rotation/matrix", TRANSFORM, (QUAT,), tol=ROT_TOL,
         wrap=_rotation(lambda R, q: R.from_quat(q), lambda r: r.as_matrix())),
    _row("spatial.transform.Rotation/euler", TRANSFORM, (Case((Arg((3, 3)),)),), tol=ROT_TOL,
         wrap=_rotation(lambda R, a: R.from_euler("zyx", a), lambda r: r.as_euler("XZX"))),
    _row("spatial.transform.Rotation/rotvec", TRANSFORM, (Case((Arg((3, 3)),)),), tol=ROT_TOL,
         wrap=_rotation(lambda R, v: R.from_rotvec(v), lambda r: r.as_rotvec())),
    _row("spatial.transform.Rotation/mrp", TRANSFORM, (Case((Arg((3, 3)),)),), tol=ROT_TOL,
         wrap=_rotation(lambda R, v: R.from_mrp(v), lambda r: (r * r.inv()[::-1]).as_mrp())),
    _row("spatial.transform.Rotation/apply", TRANSFORM, (QUAT,), tol=ROT_TOL,
         wrap=_rotation(lambda R, q: R.from_matrix(R.from_quat(q).as_matrix()),
                        lambda r: (r.apply(np.array([1., 2., 3.], np.float32)),
                                   r.magnitude()))),
]

# Rows are named by their path in zenax.scipy / jax.scipy ("integrate.trapezoid").
(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS, namespace=(zenax.scipy, jax.scipy))


def test_table_covers_the_modules():
    modules = (zintegrate, zndimage, zinterpolate, zvq, ztransform)
    public = {name for m in modules for name in m.__all__}
    names = {s.name.split("/")[0].split(".")[-1] for s in SPECS}
    assert names | {"Slerp"} == public   # Slerp: by hand


rng = np.random.RandomState(0)
# The libraries, side by side: a program written once as ``program(m)`` runs on either.
Z = SimpleNamespace(np=znp, vmap=zenax.vmap, grad=zenax.grad, integrate=zintegrate,
                    ndimage=zndimage, interpolate=zinterpolate, vq=zvq,
                    Rotation=ztransform.Rotation, Slerp=ztransform.Slerp)
J = SimpleNamespace(np=jnp, vmap=jax.vmap, grad=jax.grad, integrate=jintegrate,
                    ndimage=jndimage, interpolate=jinterpolate, vq=jvq,
                    Rotation=jtransform.Rotation, Slerp=jtransform.Slerp)


def same(program, *args, tol=None):
    """``program(Z)`` under ``zenax.jit`` and ``program(J)`` under ``jax.jit``, applied to
    ``args`` (one compile a side): equal results.  Returns zenax's."""
    z, j = zenax.jit(program(Z))(*args), jax.jit(program(J))(*args)
    assert_same(z, j, tol=tol)
    return z


# ## integrate.trapezoid

def test_trapezoid_like_jax_and_scipy():
    y, x = rng.randn(4, 6).astype(np.float32), np.sort(rng.randn(6)).astype(np.float32)
    z = assert_runs_compiled(zintegrate.trapezoid, jintegrate.trapezoid, y, x, axis=-1)
    np.testing.assert_allclose(z, osp_integrate.trapezoid(y, x), rtol=1e-5)
    for args, kwargs in [((y,), {"dx": 0.3, "axis": 0}), ((np.arange(5),), {"dx": 2})]:
        z = zintegrate.trapezoid(*args, **kwargs)
        assert_same(z, jintegrate.trapezoid(*args, **kwargs))
        np.testing.assert_allclose(z, osp_integrate.trapezoid(*args, **kwargs), rtol=1e-5)
    with pytest.raises(TypeError, match="trapezoid requires ndarray"):
        zintegrate.trapezoid([1.0, 2.0])


# ## ndimage.map_coordinates

IMAGE = rng.randn(5, 6).astype(np.float32)
POINTS = [rng.uniform(-7, 12, 9).astype(np.float32) for _ in range(2)]
# JAX's 'constant' and 'wrap' are SciPy's 'grid-constant' and 'grid-wrap'.
SCIPY_MODES = {"constant": "grid-constant", "wrap": "grid-wrap", "nearest": "nearest",
               "mirror": "mirror", "reflect": "reflect"}


@pytest.mark.parametrize("order", [0, 1])
def test_map_coordinates_like_jax_and_scipy(order):
    outs = same(lambda m: lambda x, c: [m.ndimage.map_coordinates(x, c, order, mode, 0.5)
                                        for mode in SCIPY_MODES], IMAGE, POINTS)
    for out, scipy_mode in zip(outs, SCIPY_MODES.values()):
        expected = osp_ndimage.map_coordinates(IMAGE, POINTS, order=order, mode=scipy_mode,
                                               cval=0.5)
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5, err_msg=scipy_mode)


def test_map_coordinates_inputs():
    ints = np.arange(30, dtype=np.int32).reshape(5, 6)
    inside = [np.array([0.5, 1.25, 3.5], np.float32), np.array([2.5, 0., 4.75], np.float32)]
    same(lambda m: lambda ints, inside, x: [
        m.ndimage.map_coordinates(ints, inside, 1),                  # rounded half away
        m.ndimage.map_coordinates(ints, [c.astype(np.int32) for c in inside], 0),
        m.ndimage.map_coordinates(x, m.np.stack(inside), 1),         # one 2-D array
        m.ndimage.map_coordinates(x, inside, False)], ints, inside, IMAGE)
    # Eagerly: lists of floats; one compiled executable per call, as JAX's jit.
    assert_same(zndimage.map_coordinates(IMAGE, [[0.3, 1.5], [2.0, 4.7]], 1),
                jndimage.map_coordinates(IMAGE, [[0.3, 1.5], [2.0, 4.7]], 1))
    assert_runs_compiled(zndimage.map_coordinates, jndimage.map_coordinates, IMAGE,
                         [jnp.asarray(c) for c in POINTS], 1, mode="nearest")


def test_map_coordinates_derivatives_match_jax():
    def grads(lib, m):
        return lib.jit(lib.grad(lambda x, c: (m.map_coordinates(x, c, 1, "reflect") ** 2).sum(),
                                argnums=(0, 1)))
    assert_same(grads(zenax, zndimage)(IMAGE, POINTS), grads(jax, jndimage)(IMAGE, POINTS))


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
FILLS = ({}, {"fill_value": None}, {"fill_value": -3})


@pytest.mark.parametrize("method", ["linear", "nearest"])
def test_regular_grid_interpolator_like_jax_and_scipy(method):
    def program(m):
        def interpolate(values, query):
            outs = [m.interpolate.RegularGridInterpolator(GRID, values, method=method,
                                                          **kwargs)(query)
                    for kwargs in FILLS]
            # Points as a tuple of coordinate arrays, as one point, as a (2, 3, 2) batch;
            # the method chosen at call time; trailing axes of the values.
            f = m.interpolate.RegularGridInterpolator(GRID, m.np.stack([values, 2 * values],
                                                                       -1))
            for xi in [(query[:, 0], query[:, 1]), query[0], query[:6].reshape(2, 3, 2)]:
                outs.append(f(xi, method=method))
            return outs
        return interpolate
    outs = same(program, VALUES, QUERY)
    for kwargs, out in zip(FILLS, outs):
        expected = osp_interpolate.RegularGridInterpolator(
            GRID, VALUES, method=method, bounds_error=False,
            fill_value=kwargs.get("fill_value", np.nan))(QUERY)
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_regular_grid_interpolator_is_a_pytree():
    z = zinterpolate.RegularGridInterpolator(GRID, VALUES, fill_value=0.0)
    j = jinterpolate.RegularGridInterpolator(GRID, VALUES, fill_value=0.0)
    assert_same(zenax.tree_util.tree_leaves(z), jax.tree_util.tree_leaves(j))

    def program(m):
        def interpolate(f, stacked, x):
            def through(v, x):
                return m.interpolate.RegularGridInterpolator(GRID, v)(x)
            return (f(x),                                         # the object as an argument
                    m.vmap(through, (0, None))(stacked, x),
                    m.grad(lambda v, x: through(v, x).sum(), argnums=(0, 1))(f.values, x))
        return interpolate
    stacked = np.stack([VALUES, -VALUES])
    assert_same(zenax.jit(program(Z))(z, stacked, QUERY[2:5]),
                jax.jit(program(J))(j, stacked, QUERY[2:5]))


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
    pairs = [(obs, book), (obs[:, 0], book[:, 0]), (np.arange(5), np.array([1, 3]))]
    outs = same(lambda m: lambda pairs: [m.vq.vq(o, b, check_finite=bool(k))
                                         for k, (o, b) in enumerate(pairs)], pairs)
    for (o, b), (codes, dist) in zip(pairs, outs):
        codes_sp, dist_sp = osp_vq.vq(o, b)
        np.testing.assert_array_equal(codes, codes_sp)
        np.testing.assert_allclose(dist, dist_sp, rtol=1e-5)
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
CONVERSIONS = [("as_matrix", {}), ("as_mrp", {}), ("as_rotvec", {}),
               ("as_rotvec", {"degrees": True}), ("as_quat", {}),
               ("as_quat", {"canonical": True, "scalar_first": True}), ("magnitude", {})]


def test_rotation_conversions_like_jax_and_scipy():
    def program(m):
        def conversions(q):
            r = m.Rotation.from_quat(q)
            outs = [getattr(r, name)(**kwargs) for name, kwargs in CONVERSIONS]
            flips = m.np.array([[-1., -1., 1.], [1., -1., -1.], [-1., 1., -1.]])
            matrices = m.np.concatenate([outs[0], m.vmap(m.np.diag)(flips)])
            built = [m.Rotation.from_matrix(matrices), m.Rotation.from_mrp(q[:, :3]),
                     m.Rotation.from_rotvec(q[:, :3]), m.Rotation.from_rotvec(1e-4 * q[:, :3]),
                     m.Rotation.from_rotvec(30 * q[0, :3], degrees=True),
                     m.Rotation.from_quat(m.np.array([1, 2, 3, 4])), m.Rotation.identity(),
                     m.Rotation.identity(dtype=np.int32)]
            return outs, [b.quat for b in built]
        return conversions
    (outs, _) = same(program, QUATS, tol={"float32": (5e-5, 2e-4)})
    sp = osp_transform.Rotation.from_quat(QUATS)
    for (name, kwargs), out in zip(CONVERSIONS, outs):
        np.testing.assert_allclose(out, getattr(sp, name)(**kwargs), rtol=1e-4, atol=1e-4,
                                   err_msg=name)


@pytest.mark.parametrize("seq", ["xyz", "ZYX", "zxz", "XYX", "yzx"])
def test_euler_angles_like_jax_and_scipy(seq):
    gimbal = np.float32([[10., 0., 20.], [10., 180., 20.], [0., 90., 0.]])

    def program(m):
        def euler(angles, gimbal):
            r = m.Rotation.from_euler(seq, angles)
            # Gimbal lock (middle angle 0 or pi) and degrees; one, two or three axes.
            locked = m.Rotation.from_euler(seq, gimbal, degrees=True)
            return (r.quat, [r.as_euler(out_seq) for out_seq in ("xyz", "ZXZ")],
                    locked.as_euler(seq, degrees=True),
                    m.Rotation.from_euler(seq[:2], angles[:, :2]).quat,
                    m.Rotation.from_euler(seq[0], 30, degrees=True).quat)
        return euler
    quat, angles, *_ = same(program, ANGLES, gimbal, tol={"float32": (1e-4, 1e-3)})
    sp = osp_transform.Rotation.from_euler(seq, ANGLES)
    np.testing.assert_allclose(quat, sp.as_quat(), rtol=1e-4, atol=1e-5)
    for out_seq, out in zip(("xyz", "ZXZ"), angles):
        np.testing.assert_allclose(out, sp.as_euler(out_seq), rtol=1e-4, atol=1e-4)


def test_rotation_operations_like_jax():
    vectors = rng.randn(6, 3).astype(np.float32)

    def program(m):
        def operations(q, v):
            r, r2 = m.Rotation.from_quat(q), m.Rotation.from_quat(q[::-1])
            rotations = [r * r2, r * r2[0], r.inv(), r[1:3], r[m.np.array([4, 0])],
                         m.Rotation.concatenate([r, r2[:2]])]
            applied = [r.apply(v), r.apply(v[0], inverse=True), r.apply(m.np.array([1, 2, 3])),
                       r[0].apply(v)]
            means = [r.mean().quat, r.mean(m.np.arange(6.)).quat]
            return [x.quat for x in rotations], applied, means
        return operations
    same(program, QUATS, vectors, tol={"float32": (1e-4, 1e-5)})
    z = ZR.from_quat(QUATS)
    assert len(z) == 6 and z[0].single and not z.single


def test_slerp_like_jax_and_scipy():
    times = np.array([0., 1., 3., 4.5, 5., 7.], np.float32)
    at = np.array([0., 0.3, 1., 2.2, 4.9, 5., 6.9], np.float32)

    def program(m):
        def slerp(times, q, at):
            s = m.Slerp.init(times, m.Rotation.from_quat(q))
            return s.times, s.timedelta, s.rotvecs, s(at).quat, s(at[3]).quat
        return slerp
    *_, quat, _ = same(program, times, QUATS, at, tol={"float32": (1e-4, 1e-5)})
    sp = osp_transform.Slerp(times, osp_transform.Rotation.from_quat(QUATS))(at)
    np.testing.assert_allclose(ZR(quat).as_matrix(), sp.as_matrix(), rtol=1e-4, atol=1e-4)


@pytest.mark.exhaustive
def test_slerp_derivatives_match_jax():
    times = np.array([0., 1., 3., 4.5, 5., 7.], np.float32)
    at = np.array([0.3, 2.2, 4.9, 6.9], np.float32)
    same(lambda m: m.grad(lambda q: m.Slerp.init(times, m.Rotation.from_quat(q))(
        at).as_matrix().sum()), QUATS, tol={"float32": (1e-4, 1e-4)})


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
    (lambda R, S: S(np.float32([0., 1., 2.]), np.ones(2), R(QUATS[:2]), np.ones((2, 3)))(
        np.ones((2, 2))), ValueError),
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
