"""The IR: jaxprs.

A jaxpr is a typed, first-order program in A-normal form::

    { lambda a:f32[3]; b:f32[3]. let
        c:f32[3] = mul b a
        d:f32[3] = sin c
        e:f32[3] = cos d
      in (e,) }

``constvars`` (before ``;``) are closed-over constants, ``invars`` the arguments, each
equation applies one primitive to variables or literals and binds new variables.  The
printer reproduces JAX's ``make_jaxpr`` text (a jaxpr that fits in 80 columns is printed
on one line); :func:`typecheck_jaxpr` re-derives every
type with the primitives' abstract_eval rules (tests run it after every transform);
:func:`eval_jaxpr` interprets a jaxpr by binding each primitive under the current trace,
so evaluating a jaxpr inside a transform transforms it.
"""
from __future__ import annotations

import collections
import re
from typing import Any, Callable, NamedTuple

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
        return pp_toplevel(self, source_info)

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

    def where(eqn):   # formatted only for an error: printing an equation is slow
        return "the outputs" if eqn is None else f"equation `{_eqn_text(eqn)}`"

    def check_atom(x, eqn):
        if type(x) is Literal:
            if not _typecompat(x.aval, concrete_aval(x.val)):
                raise JaxprTypeError(f"literal {x} has the wrong type in {where(eqn)}")
        elif x not in env:
            raise JaxprTypeError(f"variable {x} used in {where(eqn)} before it is bound")

    for v in jaxpr.constvars + jaxpr.invars:
        bind_var(v)
    for eqn in jaxpr.eqns:
        for x in eqn.invars:
            check_atom(x, eqn)
        rule = abstract_eval_rules.get(eqn.primitive)
        if rule is None:
            raise JaxprTypeError(f"no abstract_eval rule for {eqn.primitive}")
        out = rule(*[x.aval for x in eqn.invars], **eqn.params)
        out = list(out) if eqn.primitive.multiple_results else [out]
        if len(out) != len(eqn.outvars):
            raise JaxprTypeError(f"{where(eqn)} binds {len(eqn.outvars)} outputs, "
                                 f"the rule gives {len(out)}")
        for v, aval in zip(eqn.outvars, out):
            if not _typecompat(v.aval, aval):
                raise JaxprTypeError(f"{where(eqn)}: output annotated {v.aval.str_short()} "
                                     f"but the rule gives {aval.str_short()}")
            bind_var(v)
    for x in jaxpr.outvars:
        check_atom(x, None)


# --------------------------------------------------------------------------- printing
#
# The printer lays a jaxpr out as JAX's does, character for character: it builds a
# document of text, breaks and groups and formats it at width 80 with the Wadler-Lindig
# algorithm -- a group is printed on one line (its breaks as their text) when it fits in
# what is left of the line, else each of its breaks starts a new line at the group's
# indentation.  Variables are named a, b, ..., z, ba, ... in order of first appearance
# across nested jaxprs; an unused result of the outermost jaxpr prints as ``_``.  A
# primitive may register a rule in ``pp_eqn_rules`` to print its params its own way.

# A document is a tuple, its kind first (plain tuples: printing builds ~40 per equation):
#   (TEXT, text, note)   text, with an optional annotation (source line) for its line
#   (BREAK, text)        a line break, or ``text`` where its group stays on one line
#   (CONCAT, docs)       the documents one after the other
#   (GROUP, doc)         one line if it fits, else every break of its own a new line
#   (NEST, n, doc)       lines broken inside ``doc`` indented ``n`` more
TEXT, BREAK, CONCAT, GROUP, NEST = range(5)
_NIL = (CONCAT, ())


def _text(s: str, note: str | None = None) -> tuple:
    return (TEXT, s, note)


def _concat(*docs) -> tuple:
    return (CONCAT, docs)


def _brk(s: str = " ") -> tuple:
    return (BREAK, s)


def _group(doc) -> tuple:
    return (GROUP, doc)


def _nest(n: int, doc) -> tuple:
    return (NEST, n, doc)


def _join(sep, docs) -> tuple:
    docs = list(docs)
    if len(docs) <= 1:
        return docs[0] if docs else _NIL
    out = [docs[0]]
    for d in docs[1:]:
        out += [sep, d]
    return (CONCAT, tuple(out))


def _children(d) -> tuple:
    kind = d[0]
    return d[1] if kind == CONCAT else (d[1],) if kind == GROUP else (d[2],)


def _fits(doc, room: int) -> bool:
    """Whether ``doc`` printed on one line takes at most ``room`` columns."""
    stack = [doc]
    while stack and room >= 0:
        d = stack.pop()
        if d[0] == TEXT or d[0] == BREAK:
            room -= len(d[1])
        else:
            stack.extend(reversed(_children(d)))
    return room >= 0


def _flat_allowed(doc, with_notes: bool) -> bool:
    # A group with no breaks has nothing to decide.  With annotations, fewer of them than
    # breaks (so an annotation always ends the line of its equation).
    breaks = notes = 0
    stack = [doc]
    while stack:
        d = stack.pop()
        if d[0] == BREAK:
            if not with_notes:
                return True
            breaks += 1
        elif d[0] == TEXT:
            notes += d[2] is not None
        else:
            stack.extend(_children(d))
    return notes < breaks


def _format(doc, width: int = 80, with_notes: bool = False) -> str:
    lines: list[str] = []
    line: list[str] = []
    notes: list[str] = []
    col = 0

    def end_line():
        text = "".join(line)
        if notes:
            text += "  # " + "; ".join(notes)
            notes.clear()
        lines.append(text)
        line.clear()

    stack = [(0, False, doc)]       # (indentation, flat, doc), last first
    while stack:
        indent, flat, d = stack.pop()
        kind = d[0]
        if kind == TEXT:
            line.append(d[1])
            col += len(d[1])
            if d[2] is not None:
                notes.append(d[2])
        elif kind == CONCAT:
            stack.extend([(indent, flat, c) for c in reversed(d[1])])
        elif kind == NEST:
            stack.append((indent + d[1], flat, d[2]))
        elif kind == BREAK:
            if flat:
                line.append(d[1])
                col += len(d[1])
            else:
                end_line()
                line.append(" " * indent)
                col = indent
        else:   # GROUP
            flat = _flat_allowed(d[1], with_notes) and _fits(d[1], width - col)
            stack.append((indent, flat, d[1]))
    end_line()
    return "\n".join(lines)


class _Names:
    """Names variables a, b, ..., z, ba, bb, ... in order of first appearance (skipping
    the names of shared jaxprs); ``fixed`` presets some (``_`` for unused results)."""

    def __init__(self, fixed: dict | None = None, reserved: set | None = None):
        self.names: dict[Var, str] = dict(fixed or {})
        self.reserved = reserved if reserved is not None else set()
        self.count = 0

    def __call__(self, v: Var) -> str:
        name = self.names.get(v)
        if name is None:
            while True:
                name = _alphabetic(self.count)
                self.count += 1
                if name not in self.reserved:
                    break
            self.names[v] = name
        return name

    def suggest(self, for_vars, like_vars) -> None:
        """Name ``for_vars`` (a call's inner binders) like ``like_vars`` (its operands or
        results) where those are distinct variables, as JAX prints a jit's body."""
        if len(for_vars) != len(like_vars):
            return
        used: set = set()
        for v, like in zip(for_vars, like_vars):
            if type(like) is Var and like not in used and type(v) is Var and \
                    v not in self.names:
                used.add(like)
                self.names[v] = self(like)


def _alphabetic(n: int) -> str:
    letters = ""
    while True:
        letters = chr(ord("a") + n % 26) + letters
        n //= 26
        if n == 0:
            return letters


class _PPContext:
    def __init__(self, names: _Names, source_info: bool):
        self.names = names
        self.source_info = source_info
        self.shared: dict[Jaxpr, str] = {}


def _pp_literal(x: Literal) -> str:
    val = x.val
    text = str(np.asarray(val).item()) if np.ndim(val) == 0 else "[...]"
    return f"{text}:{x.aval.str_short()}"


def _pp_atom(x, ctx: _PPContext) -> str:
    return _pp_literal(x) if type(x) is Literal else ctx.names(x)


def _pp_vars(vs, ctx: _PPContext, types: bool = False, sep: str = "") -> tuple:
    items = [_text(f"{ctx.names(v)}:{v.aval.str_short()}" if types else _pp_atom(v, ctx))
             for v in vs]
    return _nest(2, _group(_join(_concat(_text(sep), _group(_brk())), items)))


def _param_text(value) -> str:
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    if isinstance(value, frozenset):
        return "frozenset({" + ", ".join(repr(e) for e in sorted(value)) + "})"
    # Addresses vary from run to run: JAX masks them.
    return re.sub(r" at 0x([0-9a-fA-F]+)", lambda m: " at 0x" + "X" * len(m.group(1)),
                  str(value))


def _pp_param(key: str, value, ctx: _PPContext) -> tuple:
    if type(value) is tuple and value and all(isinstance(j, (Jaxpr, ClosedJaxpr))
                                              for j in value):
        docs = [_pp_jaxpr(_open(j), ctx) for j in value]
        doc = _group(_concat(_nest(2, _concat(_text("("), _brk(""), _join(_brk(), docs))),
                             _brk(""), _text(")")))
    elif isinstance(value, (Jaxpr, ClosedJaxpr)):
        doc = _pp_jaxpr(_open(value), ctx)
    else:
        doc = _text(_param_text(value))
    return _concat(_text(f"{key}="), doc)


def _open(j) -> Jaxpr:
    return j.jaxpr if isinstance(j, ClosedJaxpr) else j


def pp_eqn_default(eqn: JaxprEqn, ctx: _PPContext, params: dict | None = None,
                   order: list | None = None, name: str | None = None) -> tuple:
    """An equation as JAX prints it: ``outs = prim[k=v ...] ins``.  A rule in
    ``pp_eqn_rules`` calls this with the ``params`` to show (default: the equation's),
    their ``order`` (default: sorted) and the primitive's printed ``name``."""
    params = eqn.params if params is None else params
    order = sorted(params) if order is None else order
    note = None
    if ctx.source_info and eqn.source_info is not None:
        note = str(eqn.source_info) + (f" [{describe(eqn.provenance)}]" if eqn.provenance
                                       else "")
    lhs = _pp_vars(eqn.outvars, ctx, types=True)
    kvs = [_pp_param(k, params[k], ctx) for k in order]
    kv_doc = _NIL if not kvs else _group(_concat(
        _nest(2, _concat(_text("["), _brk(""), _join(_brk(), kvs))), _brk(""), _text("]")))
    rhs = [_text(name or eqn.primitive.name), kv_doc,
           _concat(_text(" "), _pp_vars(eqn.invars, ctx))]
    if not eqn.outvars:
        return _concat(*rhs)
    return _concat(lhs, _text(" = ", note), *rhs)


# Printing rules by primitive: rule(eqn, ctx) -> doc, most calling pp_eqn_default with the
# params to show (JAX hides defaults, or shows a function by its name).
pp_eqn_rules: dict[Primitive, Callable] = {}


def suggest_names(ctx: _PPContext, inner: Jaxpr, eqn: JaxprEqn) -> None:
    """For a call's rule: print ``inner``'s binders with the names of ``eqn``'s operands
    and results (as JAX prints a jit), unless ``inner`` is printed once, shared."""
    if inner not in ctx.shared:
        ctx.names.suggest(inner.invars, eqn.invars)
        ctx.names.suggest(inner.outvars, eqn.outvars)


def _pp_eqn(eqn: JaxprEqn, ctx: _PPContext) -> tuple:
    rule = pp_eqn_rules.get(eqn.primitive)
    return pp_eqn_default(eqn, ctx) if rule is None else rule(eqn, ctx)


def _pp_skeleton(jaxpr: Jaxpr, ctx: _PPContext) -> tuple:
    constvars = _pp_vars(jaxpr.constvars, ctx, types=True)
    invars = _pp_vars(jaxpr.invars, ctx, types=True)
    eqns = _join(_brk("; "), [_pp_eqn(e, ctx) for e in jaxpr.eqns])
    outvars = _concat(_text("("), _pp_vars(jaxpr.outvars, ctx, sep=","),
                      _text(",)" if len(jaxpr.outvars) == 1 else ")"))
    return _group(_concat(_nest(2, _concat(
        _text("{ lambda "), constvars, _text("; "), invars, _text(". let"),
        _nest(2, _concat(_brk(), eqns)), _brk(), _text("in "), outvars)), _text(" }")))


def _pp_jaxpr(jaxpr: Jaxpr, ctx: _PPContext) -> tuple:
    name = ctx.shared.get(jaxpr)
    return _text(name) if name is not None else _pp_skeleton(jaxpr, ctx)


def _sub_jaxprs(params: dict):
    for v in params.values():
        if isinstance(v, (Jaxpr, ClosedJaxpr)):
            yield _open(v)
        elif type(v) is tuple:
            yield from (_open(j) for j in v if isinstance(j, (Jaxpr, ClosedJaxpr)))


def _dropped(jaxpr: Jaxpr) -> dict:
    """The results of ``jaxpr``'s equations that nothing reads: printed ``_``."""
    used = {v for v in jaxpr.outvars if type(v) is Var}
    dropped = {}
    for eqn in reversed(jaxpr.eqns):
        for v in eqn.outvars:
            if v not in used:
                dropped[v] = "_"
        used.update(v for v in eqn.invars if type(v) is Var)
    return dropped


def pp_toplevel(jaxpr: Jaxpr, source_info: bool = False) -> str:
    """The text of ``jaxpr``, as JAX prints it.  A sub-jaxpr used by more than one
    equation, or with more than ten equations, is printed first, once, as
    ``let name = { ... } in`` (``name`` from its call's ``name`` param)."""
    counts: dict[Jaxpr, int] = {}
    names: dict[Jaxpr, str] = {}
    queue = collections.deque([jaxpr])
    while queue:
        j = queue.popleft()
        counts[j] = counts.get(j, 0) + 1 + (j is not jaxpr and len(j.eqns) > 10)
        for eqn in j.eqns:
            name = eqn.params.get("name")
            for sub in _sub_jaxprs(eqn.params):
                queue.append(sub)
                if isinstance(name, str):
                    names.setdefault(sub, name.strip("<>"))
    reserved: set = set()
    shared = {}
    name_counts: dict[str, int] = {}
    for j, c in counts.items():
        if c == 1:
            continue
        name = names.get(j, "jaxpr")
        if name_counts.get(name, 0) > 0:
            name_counts[name] += 1
            name += str(name_counts[name] - 1)
        name_counts[name] = name_counts.get(name, 0) + 1
        reserved.add(name)
        shared[j] = name
    ctx = _PPContext(_Names(_dropped(jaxpr), reserved), source_info)
    ctx.shared = shared
    docs = [_concat(_text(f"let {name} = "), _pp_skeleton(j, ctx), _text(" in"), _brk())
            for j, name in shared.items()]
    docs.append(_pp_skeleton(jaxpr, ctx))
    return _format(_concat(*docs), with_notes=source_info)


def pp_jaxpr(jaxpr: Jaxpr, names: _Names, source_info: bool = False) -> str:
    """``jaxpr``'s text with the variable names ``names`` gives (and records); no result
    prints as ``_`` (the graph view names every variable like this)."""
    return _format(_pp_skeleton(jaxpr, _PPContext(names, source_info)), with_notes=source_info)


def _eqn_text(eqn: JaxprEqn) -> str:
    return _format(_pp_eqn(eqn, _PPContext(_Names(), False)))
