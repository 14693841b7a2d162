"""The IR: jaxprs.

A jaxpr is a typed, first-order program in A-normal form::

    { lambda a:f32[3]; b:f32[3]. let
        c:f32[3] = mul b a
        d:f32[3] = sin c
      in (d,) }

``constvars`` (before ``;``) are closed-over constants, ``invars`` the arguments, each
equation applies one primitive to variables or literals and binds new variables.  The
printer reproduces JAX's ``make_jaxpr`` text; :func:`typecheck_jaxpr` re-derives every
type with the primitives' abstract_eval rules (tests run it after every transform);
:func:`eval_jaxpr` interprets a jaxpr by binding each primitive under the current trace,
so evaluating a jaxpr inside a transform transforms it.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .avals import ShapedArray, concrete_aval
from .core import Primitive, abstract_eval_rules, bind
from .provenance import describe, reinterpreting
from .source_info import SourceInfo


class Var:
    """A variable of a jaxpr: a typed name, bound once.  ``residual`` marks a value that
    linearize saves for the linear/backward pass (see provenance.py)."""

    __slots__ = ("aval", "residual")

    def __init__(self, aval: ShapedArray):
        self.aval = aval
        self.residual = False

    def __repr__(self):
        return f"Var({self.aval.str_short()})"


class Literal:
    """A scalar constant written inline in an equation, printed ``2.0:f32[]``."""

    __slots__ = ("val", "aval")

    def __init__(self, val: Any, aval: ShapedArray):
        self.val = val
        self.aval = aval

    def __repr__(self):
        return f"Literal({self.val!r}:{self.aval.str_short()})"


Atom = "Var | Literal"


class JaxprEqn(NamedTuple):
    invars: list          # list[Var | Literal]
    outvars: list         # list[Var]
    primitive: Primitive
    params: dict
    source_info: SourceInfo | None = None
    # Which transforms emitted it, innermost first: () for the user's own operation,
    # ("tangent",), ("transposed",), ("batched",) ... (see provenance.py).
    provenance: tuple = ()


class Jaxpr:
    """``constvars; invars. let eqns in outvars``."""

    __slots__ = ("constvars", "invars", "outvars", "eqns", "__weakref__")

    def __init__(self, constvars: list[Var], invars: list[Var], outvars: list,
                 eqns: list[JaxprEqn]):
        self.constvars = list(constvars)
        self.invars = list(invars)
        self.outvars = list(outvars)
        self.eqns = list(eqns)

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.outvars]

    def pretty_print(self, source_info: bool = False) -> str:
        return pp_jaxpr(self, _Names(), indent=0, source_info=source_info)

    def __str__(self):
        return self.pretty_print()

    __repr__ = __str__


class ClosedJaxpr:
    """A jaxpr together with the values of its constvars."""

    __slots__ = ("jaxpr", "consts", "__weakref__")

    def __init__(self, jaxpr: Jaxpr, consts: list):
        assert len(jaxpr.constvars) == len(consts)
        self.jaxpr = jaxpr
        self.consts = list(consts)

    in_avals = property(lambda self: self.jaxpr.in_avals)
    out_avals = property(lambda self: self.jaxpr.out_avals)
    eqns = property(lambda self: self.jaxpr.eqns)

    def __call__(self, *args):
        return eval_jaxpr(self.jaxpr, self.consts, *args)

    def pretty_print(self, source_info: bool = False) -> str:
        return self.jaxpr.pretty_print(source_info)

    def __str__(self):
        return self.pretty_print()

    __repr__ = __str__


def closed_to_open(closed: ClosedJaxpr) -> tuple[ClosedJaxpr, list]:
    """Turn ``closed``'s constvars into leading invars, so its consts travel as ordinary
    operands of the equation that calls it (``jit_call``, ``cond``, ``custom_jvp_call``...)
    and a transform treats them like any other argument."""
    j = closed.jaxpr
    return ClosedJaxpr(Jaxpr([], j.constvars + j.invars, j.outvars, j.eqns), []), closed.consts


# --------------------------------------------------------------------------- evaluation

def eval_jaxpr(jaxpr: Jaxpr, consts: list, *args) -> list:
    """Interpret ``jaxpr`` by binding each equation's primitive under the current trace."""
    if len(args) != len(jaxpr.invars):
        raise TypeError(f"eval_jaxpr: the jaxpr takes {len(jaxpr.invars)} arguments, "
                        f"got {len(args)}")
    env: dict[Var, Any] = {}

    def read(v):
        return v.val if type(v) is Literal else env[v]

    env.update(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    for eqn in jaxpr.eqns:
        with reinterpreting(eqn.source_info, eqn.provenance):   # keep eqn's line and roles
            out = bind(eqn.primitive, *map(read, eqn.invars), **eqn.params)
        if eqn.primitive.multiple_results:
            env.update(zip(eqn.outvars, out))
        else:
            env[eqn.outvars[0]] = out
    return [read(v) for v in jaxpr.outvars]


# --------------------------------------------------------------------------- typecheck

class JaxprTypeError(TypeError):
    """A jaxpr whose types do not follow from its equations."""


def _typecompat(a: ShapedArray, b: ShapedArray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype   # weak types may differ


def typecheck_jaxpr(jaxpr: Jaxpr | ClosedJaxpr) -> None:
    """Check that every variable is bound once before use and every type is derivable.

    Raises :class:`JaxprTypeError` naming the offending equation.
    """
    if isinstance(jaxpr, ClosedJaxpr):
        for v, c in zip(jaxpr.jaxpr.constvars, jaxpr.consts):
            from .core import get_aval
            if not _typecompat(v.aval, get_aval(c)):
                raise JaxprTypeError(f"constvar of type {v.aval} bound to a value of type "
                                     f"{get_aval(c)}")
        jaxpr = jaxpr.jaxpr
    env: set = set()

    def bind_var(v):
        if not isinstance(v, Var):
            raise JaxprTypeError(f"expected a Var as binder, got {v!r}")
        if v in env:
            raise JaxprTypeError(f"variable {v} is bound twice")
        env.add(v)

    def check_atom(x, where):
        if type(x) is Literal:
            if not _typecompat(x.aval, concrete_aval(x.val)):
                raise JaxprTypeError(f"literal {x} has the wrong type in {where}")
        elif x not in env:
            raise JaxprTypeError(f"variable {x} used in {where} before it is bound")

    for v in jaxpr.constvars + jaxpr.invars:
        bind_var(v)
    for eqn in jaxpr.eqns:
        where = f"equation `{pp_eqn(eqn, _Names(), 0, False).strip()}`"
        for x in eqn.invars:
            check_atom(x, where)
        rule = abstract_eval_rules.get(eqn.primitive)
        if rule is None:
            raise JaxprTypeError(f"no abstract_eval rule for {eqn.primitive}")
        out = rule(*[x.aval for x in eqn.invars], **eqn.params)
        out = list(out) if eqn.primitive.multiple_results else [out]
        if len(out) != len(eqn.outvars):
            raise JaxprTypeError(f"{where} binds {len(eqn.outvars)} outputs, "
                                 f"the rule gives {len(out)}")
        for v, aval in zip(eqn.outvars, out):
            if not _typecompat(v.aval, aval):
                raise JaxprTypeError(f"{where}: output annotated {v.aval.str_short()} "
                                     f"but the rule gives {aval.str_short()}")
            bind_var(v)
    for x in jaxpr.outvars:
        check_atom(x, "the outputs")


# --------------------------------------------------------------------------- printing

class _Names:
    """Assigns JAX-style names a, b, ..., z, ba, bb, ... in order of first appearance."""

    def __init__(self):
        self.names: dict[Var, str] = {}

    def __call__(self, v: Var) -> str:
        if v not in self.names:
            self.names[v] = _alphabetic(len(self.names))
        return self.names[v]


def _alphabetic(n: int) -> str:
    letters = ""
    while True:
        letters = chr(ord("a") + n % 26) + letters
        n //= 26
        if n == 0:
            return letters


def _pp_literal(x: Literal) -> str:
    val = x.val
    if isinstance(val, (np.ndarray, np.generic)) or hasattr(val, "item"):
        val = np.asarray(val).item()
    return f"{val!r}:{x.aval.str_short()}"


def _pp_atom(x, names) -> str:
    return _pp_literal(x) if type(x) is Literal else names(x)


def _pp_param(value, names, indent, source_info) -> str:
    if isinstance(value, ClosedJaxpr):
        value = value.jaxpr
    if isinstance(value, Jaxpr):
        return pp_jaxpr(value, names, indent + 4, source_info)
    if isinstance(value, (tuple, list)) and value and all(
            isinstance(v, (Jaxpr, ClosedJaxpr)) for v in value):
        return "(\n" + "".join(" " * (indent + 4) + _pp_param(v, names, indent, source_info)
                               + "\n" for v in value) + " " * indent + ")"
    if isinstance(value, np.dtype):
        return str(value)
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    return str(value)


def pp_eqn(eqn: JaxprEqn, names, indent: int, source_info: bool) -> str:
    lhs = " ".join(f"{names(v)}:{v.aval.str_short()}" for v in eqn.outvars) or "_"
    args = " ".join(_pp_atom(x, names) for x in eqn.invars)
    params = [f"{k}={_pp_param(v, names, indent, source_info)}" for k, v in eqn.params.items()]
    pad = " " * indent
    one_line = f"{lhs} = {eqn.primitive.name}" + (f"[{' '.join(params)}]" if params else "")
    if "\n" in one_line or len(pad) + len(one_line) + len(args) > 80:
        # Long parameter lists go one per line, as JAX prints them.
        inner = "".join(f"\n{pad}  {p}" for p in params)
        one_line = f"{lhs} = {eqn.primitive.name}" + (f"[{inner}\n{pad}]" if params else "")
    line = f"{pad}{one_line} {args}".rstrip()
    if source_info and eqn.source_info is not None:
        line += f"  # {eqn.source_info}"
        if eqn.provenance:
            line += f" [{describe(eqn.provenance)}]"
    return line


def pp_jaxpr(jaxpr: Jaxpr, names: _Names, indent: int = 0, source_info: bool = False) -> str:
    binders = lambda vs: " ".join(f"{names(v)}:{v.aval.str_short()}" for v in vs)
    head = f"{{ lambda {binders(jaxpr.constvars)}; {binders(jaxpr.invars)}. let"
    eqns = [pp_eqn(e, names, indent + 4, source_info) for e in jaxpr.eqns]
    outs = "(" + ", ".join(_pp_atom(x, names) for x in jaxpr.outvars) + \
        ("," if len(jaxpr.outvars) == 1 else "") + ")"
    single = f"{head} {' '.join(e.strip() for e in eqns)} in {outs} }}"
    if len(eqns) <= 1 and "\n" not in single and len(single) + indent <= 80:
        return single.replace("let  in", "let in")
    pad = " " * indent
    body = "\n".join(eqns)
    return f"{head}\n{body}\n{pad}  in {outs} }}" if eqns else f"{head}\n{pad}  in {outs} }}"
