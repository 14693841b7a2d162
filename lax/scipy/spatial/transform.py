"""zenax.scipy.spatial.transform: ``Rotation`` (3-D rotations stored as unit quaternions)
and ``Slerp`` (spherical linear interpolation between them).

Both are NamedTuples, so they are pytrees and pass through ``jit``, ``vmap`` and ``grad``
as their arrays.  A quaternion is stored scalar-last, ``(x, y, z, w)``, as SciPy does;
every conversion works on the last axis and broadcasts over the leading ones (a stack of
rotations is a ``(N, 4)`` array; a single rotation a ``(4,)`` one).  The formulas are
SciPy's and JAX's, in the same order of operations, so results agree to rounding:
small-angle series where ``sin(angle) / angle`` would lose precision, Shepperd's choice of
the largest diagonal term when reading a matrix, and the Euler-angle extraction of
Bernardes and Viollet (2022), with its two degenerate (gimbal-lock) cases.
"""
from __future__ import annotations

import re
import typing

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.jnp.indexing import getitem
from zenax.lax.jnp.promotion import ndim_of, shape_of

__all__ = ["Rotation", "Slerp"]

add, sub, mul, div = jnp.add, jnp.subtract, jnp.multiply, jnp.divide


def _c(a, k: int):
    """Component ``k`` of the vectors along the last axis of ``a``."""
    return lax.index_in_dim(a, k, -1, keepdims=False)


def _head3(a):
    return lax.slice_in_dim(a, 0, 3, 1, -1)


def _norm(v):
    return jnp.sqrt(jnp.sum(mul(v, v), axis=-1))


def _normalize(quat):
    return div(quat, jnp.expand_dims(_norm(quat), -1))


def _check_seq(seq: str, counts: tuple[int, ...]) -> bool:
    """Validate an axis sequence; True if intrinsic (upper case), False if extrinsic."""
    if len(seq) not in counts:
        expected = "3" if counts == (3,) else "1 to 3"
        raise ValueError(f"Rotation: expected an axis sequence of {expected} characters, "
                         f"got {seq!r}.")
    intrinsic = re.match(r"^[XYZ]{1,3}$", seq) is not None
    extrinsic = re.match(r"^[xyz]{1,3}$", seq) is not None
    if not (intrinsic or extrinsic):
        raise ValueError(f"Rotation: expected axes from 'xyz' (extrinsic) or 'XYZ' "
                         f"(intrinsic), got {seq!r}.")
    if any(seq[i] == seq[i + 1] for i in range(len(seq) - 1)):
        raise ValueError(f"Rotation: consecutive axes must differ, got {seq!r}.")
    return intrinsic


def _axis_indices(seq: str) -> list[int]:
    return ["xyz".index(axis) for axis in seq.lower()]


# --------------------------------------------------------------------------- quaternions

def _compose(p, q):
    """The quaternion product ``p q`` (apply ``q``, then ``p``)."""
    cross = jnp.cross(_head3(p), _head3(q))
    p0, p1, p2, p3 = (_c(p, k) for k in range(4))
    q0, q1, q2, q3 = (_c(q, k) for k in range(4))
    return jnp.stack([
        add(add(mul(p3, q0), mul(q3, p0)), _c(cross, 0)),
        add(add(mul(p3, q1), mul(q3, p1)), _c(cross, 1)),
        add(add(mul(p3, q2), mul(q3, p2)), _c(cross, 2)),
        sub(sub(sub(mul(p3, q3), mul(p0, q0)), mul(p1, q1)), mul(p2, q2))], axis=-1)


def _elementary(axis: int, angle):
    """The quaternion of a rotation by ``angle`` about the coordinate axis ``axis``."""
    half = div(angle, 2.)
    zero = jnp.zeros_like(angle)
    parts = [zero, zero, zero, jnp.cos(half)]
    parts[axis] = jnp.sin(half)
    return jnp.stack(parts, axis=-1)


def _from_euler(angles, axes: list[int], intrinsic: bool):
    quat = _elementary(axes[0], _c(angles, 0))
    for k in range(1, len(axes)):
        step = _elementary(axes[k], _c(angles, k))
        quat = _compose(quat, step) if intrinsic else _compose(step, quat)
    return quat


def _as_matrix(quat):
    x, y, z, w = (_c(quat, k) for k in range(4))
    x2, y2, z2, w2 = mul(x, x), mul(y, y), mul(z, z), mul(w, w)
    xy, zw, xz = mul(x, y), mul(z, w), mul(x, z)
    yw, yz, xw = mul(y, w), mul(y, z), mul(x, w)
    rows = [
        [add(sub(sub(x2, y2), z2), w2), mul(2, sub(xy, zw)), mul(2, add(xz, yw))],
        [mul(2, add(xy, zw)), add(sub(add(jnp.negative(x2), y2), z2), w2),
         mul(2, sub(yz, xw))],
        [mul(2, sub(xz, yw)), mul(2, add(yz, xw)),
         add(add(sub(jnp.negative(x2), y2), z2), w2)],
    ]
    return jnp.stack([jnp.stack(row, axis=-1) for row in rows], axis=-2)


def _from_matrix(matrix):
    m = [[lax.index_in_dim(lax.index_in_dim(matrix, i, -2, keepdims=False), j, -1,
                           keepdims=False) for j in range(3)] for i in range(3)]
    trace = add(add(m[0][0], m[1][1]), m[2][2])
    choice = jnp.argmax(jnp.stack([m[0][0], m[1][1], m[2][2], trace], axis=-1), axis=-1)
    # Shepperd: solve for the largest of the four quaternion components first.
    candidates = []
    for i in range(3):
        j, k = (i + 1) % 3, (i + 2) % 3
        parts = [None] * 4
        parts[i] = add(sub(1, trace), mul(2, m[i][i]))
        parts[j] = add(m[j][i], m[i][j])
        parts[k] = add(m[k][i], m[i][k])
        parts[3] = sub(m[k][j], m[j][k])
        candidates.append(jnp.stack(parts, axis=-1))
    candidates.append(jnp.stack([sub(m[2][1], m[1][2]), sub(m[0][2], m[2][0]),
                                 sub(m[1][0], m[0][1]), add(1, trace)], axis=-1))
    choice = jnp.expand_dims(choice, -1)
    quat = candidates[3]
    for i in (2, 1, 0):
        quat = jnp.where(jnp.equal(choice, i), candidates[i], quat)
    return _normalize(quat)


def _from_rotvec(rotvec, degrees):
    rotvec = jnp.where(degrees, jnp.deg2rad(rotvec), rotvec)
    angle = _norm(rotvec)
    angle2 = mul(angle, angle)
    small = add(sub(0.5, div(angle2, 48)), div(mul(angle2, angle2), 3840))
    large = div(jnp.sin(div(angle, 2)), angle)
    scale = jnp.where(jnp.less_equal(angle, 1e-3), small, large)
    return jnp.concatenate([mul(jnp.expand_dims(scale, -1), rotvec),
                            jnp.expand_dims(jnp.cos(div(angle, 2)), -1)], axis=-1)


def _as_rotvec(quat, degrees):
    # Take w >= 0, so that the angle lies in [0, pi].
    quat = jnp.where(jnp.expand_dims(jnp.less(_c(quat, 3), 0), -1), jnp.negative(quat), quat)
    angle = mul(2., jnp.arctan2(_norm(_head3(quat)), _c(quat, 3)))
    angle2 = mul(angle, angle)
    small = add(add(2, div(angle2, 12)), div(mul(mul(7, angle2), angle2), 2880))
    large = div(angle, jnp.sin(div(angle, 2)))
    scale = jnp.where(jnp.less_equal(angle, 1e-3), small, large)
    scale = jnp.where(degrees, jnp.rad2deg(scale), scale)
    return mul(jnp.expand_dims(scale, -1), _head3(quat))


def _from_mrp(mrp):
    squared_plus_1 = add(jnp.sum(mul(mrp, mrp), axis=-1), 1)
    quat = jnp.concatenate([mul(2, _head3(mrp)),
                            jnp.expand_dims(sub(2, squared_plus_1), -1)], axis=-1)
    return div(quat, jnp.expand_dims(squared_plus_1, -1))


def _as_mrp(quat):
    sign = jnp.where(jnp.less(_c(quat, 3), 0), -1., 1.)
    denominator = add(1., mul(sign, _c(quat, 3)))
    return div(mul(jnp.expand_dims(sign, -1), _head3(quat)),
               jnp.expand_dims(denominator, -1))


def _as_euler(quat, axes: list[int], extrinsic: bool, degrees):
    """Euler angles of ``quat`` about ``axes`` (Bernardes and Viollet's method)."""
    first, third = (0, 2) if extrinsic else (2, 0)
    i, j, k = axes if extrinsic else axes[::-1]
    symmetric = i == k
    if symmetric:
        k = 3 - i - j       # the axis not in the sequence
    dtype = jnp.result_type(quat)
    sign = np.array((i - j) * (j - k) * (k - i) // 2, dtype)
    qi, qj, qk, qw = _c(quat, i), _c(quat, j), _c(quat, k), _c(quat, 3)
    if symmetric:
        a, b, c, d = qw, qi, qj, mul(qk, sign)
    else:
        a, b = sub(qw, qj), add(qi, mul(qk, sign))
        c, d = add(qj, qw), sub(mul(qk, sign), qi)
    eps = 1e-7
    middle = mul(2, jnp.arctan2(jnp.hypot(c, d), jnp.hypot(a, b)))
    # case 0: regular; 1: middle angle 0; 2: middle angle pi (1 and 2: gimbal lock).
    case = jnp.where(jnp.less_equal(jnp.abs(sub(middle, np.pi)), eps), 2, 0)
    case = jnp.where(jnp.less_equal(jnp.abs(middle), eps), 1, case)
    half_sum, half_diff = jnp.arctan2(b, a), jnp.arctan2(d, c)
    regular = jnp.equal(case, 0)
    angles = [None, middle, jnp.zeros_like(middle)]
    # In gimbal lock the third angle is 0 and the first takes the whole rotation.
    angles[0] = jnp.where(jnp.equal(case, 1), mul(2, half_sum),
                          mul(mul(2, half_diff), -1 if extrinsic else 1))
    angles[first] = jnp.where(regular, sub(half_sum, half_diff), angles[first])
    angles[third] = jnp.where(regular, add(half_sum, half_diff), angles[third])
    if not symmetric:
        angles[third] = mul(angles[third], sign)
        angles[1] = sub(angles[1], np.pi / 2)
    angles = jnp.stack(angles, axis=-1)
    angles = sub(jnp.remainder(add(angles, np.pi), 2 * np.pi), np.pi)
    return jnp.where(degrees, jnp.rad2deg(angles), angles)


def _canonical(quat):
    """``quat`` or ``-quat`` (the same rotation), whichever has its first nonzero
    component of ``(w, x, y, z)`` positive."""
    neg = [jnp.less(_c(quat, k), 0) for k in range(4)]
    zero = [jnp.equal(_c(quat, k), 0) for k in range(4)]
    flip = jnp.logical_or(neg[3], jnp.logical_and(zero[3], neg[0]))
    flip = jnp.logical_or(flip, jnp.logical_and(jnp.logical_and(zero[3], zero[0]), neg[1]))
    flip = jnp.logical_or(flip, jnp.logical_and(
        jnp.logical_and(jnp.logical_and(zero[3], zero[0]), zero[1]), neg[2]))
    return jnp.where(jnp.expand_dims(flip, -1), jnp.negative(quat), quat)


def _inverse(quat):
    return mul(quat, jnp.array([-1, -1, -1, 1], dtype=jnp.result_type(quat)))


# --------------------------------------------------------------------------- Rotation

class Rotation(typing.NamedTuple):
    """One rotation in 3-D (``quat`` of shape ``(4,)``) or a stack of them (``(N, 4)``),
    held as unit quaternions ``(x, y, z, w)``; build one with the ``from_*``
    constructors.

    ``r * s`` composes (``s`` first, then ``r``); ``r[i]`` and ``len(r)`` index a stack.

    >>> from zenax.scipy.spatial.transform import Rotation
    >>> r = Rotation.from_euler('z', 90, degrees=True)
    >>> r.apply(jnp.array([1., 0., 0.]))
    Array([0.        , 0.99999994, 0.        ], dtype=float32)
    >>> (r * r).magnitude()
    Array(3.1415927, dtype=float32)
    """
    quat: typing.Any

    @classmethod
    def concatenate(cls, rotations: typing.Sequence) -> "Rotation":
        """The rotations of a sequence of (stacks of) rotations, as one stack."""
        return cls(jnp.concatenate([r.quat for r in rotations]))

    @classmethod
    def from_euler(cls, seq: str, angles, degrees: bool = False) -> "Rotation":
        """The rotation by ``angles`` (last axis: one per axis of ``seq``) about the axes
        of ``seq`` in turn: ``'xyz'``-style letters for axes fixed in space (extrinsic),
        ``'XYZ'``-style for axes that turn with the body (intrinsic)."""
        intrinsic = _check_seq(seq, (1, 2, 3))
        angles = jnp.atleast_1d(angles)
        if shape_of(angles)[-1] != len(seq):
            raise ValueError(f"Rotation.from_euler: angles must have {len(seq)} entries "
                             f"along the last axis (one per axis of {seq!r}), got shape "
                             f"{shape_of(angles)}.")
        angles = jnp.where(degrees, jnp.deg2rad(angles), angles)
        return cls(_from_euler(angles, _axis_indices(seq), intrinsic))

    @classmethod
    def from_matrix(cls, matrix) -> "Rotation":
        """The rotation of the (stack of) 3x3 rotation matrices ``matrix``."""
        return cls(_from_matrix(jnp.asarray(matrix)))

    @classmethod
    def from_mrp(cls, mrp) -> "Rotation":
        """The rotation of the modified Rodrigues parameters ``mrp`` (``(..., 3)``)."""
        return cls(_from_mrp(jnp.asarray(mrp)))

    @classmethod
    def from_quat(cls, quat) -> "Rotation":
        """The rotation of the quaternions ``quat`` (``(..., 4)``, scalar last), which are
        normalized."""
        return cls(_normalize(jnp.asarray(quat)))

    @classmethod
    def from_rotvec(cls, rotvec, degrees: bool = False) -> "Rotation":
        """The rotation about the axis ``rotvec`` by the angle ``|rotvec|``."""
        return cls(_from_rotvec(jnp.asarray(rotvec), degrees))

    @classmethod
    def identity(cls, num: int | None = None, dtype=float) -> "Rotation":
        """The identity rotation (a single one: ``num`` must be None)."""
        if num is not None:
            raise NotImplementedError("Rotation.identity: only num=None (one rotation) is "
                                      "supported.")
        return cls(jnp.array([0., 0., 0., 1.], dtype=dtype))

    @classmethod
    def random(cls, random_key, num: int | None = None) -> "Rotation":
        """Not implemented (nor in JAX): uniformly random rotations."""
        raise NotImplementedError("Rotation.random is not implemented.")

    def __getitem__(self, indexer) -> "Rotation":
        """The rotation(s) of a stack at ``indexer``."""
        if self.single:
            raise TypeError("Single rotation is not subscriptable.")
        return Rotation(getitem(self.quat, indexer))

    def __len__(self) -> int:
        """The number of rotations in a stack."""
        if self.single:
            raise TypeError("Single rotation has no len().")
        return shape_of(self.quat)[0]

    def __mul__(self, other: "Rotation") -> "Rotation":
        """The composition: ``other`` first, then ``self``."""
        return Rotation.from_quat(_compose(self.quat, other.quat))

    def apply(self, vectors, inverse: bool = False):
        """The (stack of) 3-vectors ``vectors`` rotated (by the inverse if ``inverse``)."""
        matrix = self.as_matrix()
        matrix = jnp.where(inverse, jnp.swapaxes(matrix, -1, -2), matrix)
        vectors = jnp.asarray(vectors)
        return jnp.squeeze(jnp.matmul(matrix, jnp.expand_dims(vectors, -1)), -1)

    def as_euler(self, seq: str, degrees: bool = False):
        """The Euler angles about the three axes of ``seq`` (see :meth:`from_euler`), each
        wrapped into ``[-pi, pi)``."""
        intrinsic = _check_seq(seq, (3,))
        return _as_euler(self.quat, _axis_indices(seq), not intrinsic, degrees)

    def as_matrix(self):
        """The 3x3 rotation matrices, ``(..., 3, 3)``."""
        return _as_matrix(self.quat)

    def as_mrp(self):
        """The modified Rodrigues parameters (the shorter rotation), ``(..., 3)``."""
        return _as_mrp(self.quat)

    def as_rotvec(self, degrees: bool = False):
        """The rotation vectors: the axis scaled by the angle (in ``[0, pi]``)."""
        return _as_rotvec(self.quat, degrees)

    def as_quat(self, canonical: bool = False, scalar_first: bool = False):
        """The quaternions, scalar last (or first); ``canonical`` picks, of ``q`` and
        ``-q``, the one whose scalar part is positive."""
        quat = _canonical(self.quat) if canonical else self.quat
        return jnp.roll(quat, shift=1, axis=-1) if scalar_first else quat

    def inv(self) -> "Rotation":
        """The inverse rotation(s)."""
        return Rotation(_inverse(self.quat))

    def magnitude(self):
        """The rotation angle(s), in ``[0, pi]``."""
        return mul(2., jnp.arctan2(_norm(_head3(self.quat)), jnp.abs(_c(self.quat, 3))))

    def mean(self, weights=None) -> "Rotation":
        """The (weighted) mean rotation of a stack: the quaternion maximising the
        weighted sum of squared dot products with the stack's."""
        quat = jnp.asarray(self.quat)
        dtype = jnp.result_type(quat)
        w = jnp.ones(shape_of(quat)[0], dtype=dtype) if weights is None else \
            jnp.asarray(weights, dtype=dtype)
        if ndim_of(w) != 1:
            raise ValueError(f"Rotation.mean: weights must be 1-D, got shape {shape_of(w)}.")
        if shape_of(w)[0] != len(self):
            raise ValueError(f"Rotation.mean: got {shape_of(w)[0]} weights for "
                             f"{len(self)} rotations.")
        k = jnp.dot(mul(jnp.expand_dims(w, 0), jnp.transpose(quat)), quat)
        _, vectors = jnp.linalg.eigh(k)
        return Rotation(lax.index_in_dim(vectors, 3, -1, keepdims=False))

    @property
    def single(self) -> bool:
        """Whether this is one rotation rather than a stack."""
        return ndim_of(self.quat) == 1


# --------------------------------------------------------------------------- Slerp

class Slerp(typing.NamedTuple):
    """Spherical linear interpolation between key rotations at increasing key times:
    build with :meth:`init`, call with the times to interpolate at.

    Between two keys the rotation turns at a constant rate about a fixed axis.

    >>> from zenax.scipy.spatial.transform import Rotation, Slerp
    >>> keys = Rotation.from_euler('z', jnp.array([[0.], [90.]]), degrees=True)
    >>> slerp = Slerp.init(jnp.array([0., 1.]), keys)
    >>> slerp(jnp.array([0.25, 0.5])).magnitude()
    Array([0.39269915, 0.78539824], dtype=float32)
    """
    times: typing.Any
    timedelta: typing.Any
    rotations: Rotation
    rotvecs: typing.Any

    @classmethod
    def init(cls, times, rotations: Rotation) -> "Slerp":
        """The interpolator through ``rotations`` (a stack of at least two) at the
        strictly increasing ``times`` (1-D, one per rotation)."""
        if not isinstance(rotations, Rotation):
            raise TypeError(f"Slerp.init: rotations must be a Rotation, got "
                            f"{type(rotations).__name__}.")
        if rotations.single or len(rotations) == 1:
            raise ValueError("Slerp.init: rotations must be a stack of at least 2 "
                             "rotations.")
        quat = jnp.asarray(rotations.as_quat())
        times = jnp.asarray(times, dtype=jnp.result_type(quat))
        if ndim_of(times) != 1:
            raise ValueError(f"Slerp.init: times must be 1-D, got {ndim_of(times)} "
                             f"dimensions.")
        if shape_of(times)[0] != len(rotations):
            raise ValueError(f"Slerp.init: got {len(rotations)} rotations and "
                             f"{shape_of(times)[0]} times; they must be equal in number.")
        count = shape_of(quat)[0]
        starts = Rotation(lax.slice_in_dim(quat, 0, count - 1))
        ends = Rotation(lax.slice_in_dim(quat, 1, count))
        return cls(times=times, timedelta=jnp.diff(times), rotations=starts,
                   rotvecs=(starts.inv() * ends).as_rotvec())

    def __call__(self, times) -> Rotation:
        """The interpolated rotation(s) at ``times`` (a scalar or 1-D)."""
        at = jnp.asarray(times, dtype=jnp.result_type(self.times))
        if ndim_of(at) > 1:
            raise ValueError(f"Slerp: times must be at most 1-D, got shape {shape_of(at)}.")
        single = ndim_of(at) == 0
        at = jnp.atleast_1d(at)
        index = jnp.maximum(jnp.subtract(jnp.searchsorted(self.times, at), 1), 0)
        alpha = div(sub(at, jnp.take(self.times, index)), jnp.take(self.timedelta, index))
        turn = Rotation.from_rotvec(mul(jnp.take(self.rotvecs, index, axis=0),
                                        jnp.expand_dims(alpha, -1)))
        result = self.rotations[index] * turn
        return result[0] if single else result
