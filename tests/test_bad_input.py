"""The bad-input catalogue: mistakes users make, and the errors they get.

Each case is a small function ``case(jax, jnp)`` written once and run twice: with
``(zenax, zenax.numpy)`` and, where JAX has the same API and raises for the same mistake,
with ``(jax, jax.numpy)`` -- JAX is the oracle for the error *type*.  For every case:

- the error has the declared type, and so does JAX's (when the case runs on JAX);
- the message contains the declared words: the function, the argument, what was expected
  and what was received (house rule: errors say what happened, where, and the fix);
- the message is not a bare internal exception (KeyError, AttributeError, assertion
  errors ... from inside zenax), unless JAX raises that very type for the mistake;
- the last frame of the traceback in user code is the line marked ``# <-`` in the case,
  and where JAX's traceback holds no frames of JAX's own (its traceback filtering at API
  boundaries), ours holds none of zenax's either.

Cases on optimizers and checkpoints are at the end.
"""
from __future__ import annotations

import dataclasses
import os
import tempfile
import traceback

import jax
import jax.numpy as jjnp
import numpy as np
import optax
import pytest

import zenax
import zenax.numpy as znp
from zenax.tracer.source_info import is_internal_file

MARK = "# <-"
_HERE = os.path.abspath(__file__)


@dataclasses.dataclass
class Case:
    fn: object
    error: type
    words: tuple
    on_jax: bool    # the same code raises in JAX too (JAX checks the error type)
    same_class: bool  # our error class has the name of JAX's (zenax.ConcretizationTypeError ...)
    filtered: bool | None  # no zenax frames in the traceback (None: where JAX shows none)


CASES: dict[str, Case] = {}


def case(error: type, *words: str, on_jax: bool = True, same_class: bool = False,
         filtered: bool | None = None):
    """Register ``fn(jax, jnp)`` as a bad-input case raising ``error`` with ``words``."""
    def register(fn):
        CASES[fn.__name__] = Case(fn, error, words, on_jax, same_class, filtered)
        return fn
    return register


class Point:
    """A class not registered as a pytree."""

    def __init__(self, x):
        self.x = x


# ## grad, value_and_grad, jacobians

@case(TypeError, "grad", "scalar", "shape: (3,)", "jacrev")
def grad_of_vector_output(jax, jnp):
    jax.grad(lambda x: x * 2.0)(jnp.ones(3))  # <-


@case(TypeError, "value_and_grad", "scalar", "(2, 2)")
def value_and_grad_of_matrix_output(jax, jnp):
    jax.value_and_grad(lambda x: x @ x)(jnp.ones((2, 2)))  # <-


@case(TypeError, "grad", "scalar", "tuple")
def grad_of_tuple_output(jax, jnp):
    jax.grad(lambda x: (x, x))(1.0)  # <-


@case(TypeError, "grad", "argument x", "int32", "allow_int")
def grad_of_integer_input(jax, jnp):
    jax.grad(lambda x: x * 2)(3)  # <-


@case(TypeError, "grad", "real-valued outputs", "int32")
def grad_of_integer_output(jax, jnp):
    jax.grad(lambda x: jnp.sum(x).astype(jnp.int32))(jnp.ones(3))  # <-


@case(TypeError, "grad", "holomorphic", "complex64")
def grad_of_complex_output(jax, jnp):
    jax.grad(lambda x: jnp.sum(x * 1j))(jnp.ones(3))  # <-


@case(TypeError, "grad", "holomorphic=True", "complex", "float32")
def grad_holomorphic_of_real_input(jax, jnp):
    jax.grad(lambda x: x, holomorphic=True)(jnp.float32(1.0))  # <-


@case(TypeError, "grad", "argnums=2", "3 positional arguments", "got only 1")
def grad_argnums_past_the_end(jax, jnp):
    jax.grad(lambda x: x, argnums=2)(1.0)  # <-


@case(ValueError, "grad", "argnums=-3", "out of bounds", "2 positional arguments")
def grad_argnums_negative_out_of_bounds(jax, jnp):
    jax.grad(lambda x, y: x * y, argnums=-3)(1.0, 2.0)  # <-


@case(TypeError, "grad", "argnums", "int", "'a'")
def grad_argnums_not_an_int(jax, jnp):
    jax.grad(lambda x: x, argnums="a")(1.0)  # <-


@case(TypeError, "grad", "has_aux=True", "pair", "returned a JVPTracer")
def grad_has_aux_without_a_pair(jax, jnp):
    jax.grad(lambda x: x, has_aux=True)(1.0)  # <-


@case(TypeError, "grad", "callable", "None")
def grad_of_a_non_function(jax, jnp):
    jax.grad(None)  # <-


@case(TypeError, "grad", "argument x", "str", "array")
def grad_of_a_string_argument(jax, jnp):
    jax.grad(lambda x: x)("a")  # <-


@case(TypeError, "grad", "argument p", "Point", "register_pytree_node")
def grad_of_unregistered_class(jax, jnp):
    jax.grad(lambda p: p.x)(Point(1.0))  # <-


@case(TypeError, "grad", "output", "str", "array")
def grad_of_function_returning_a_string(jax, jnp):
    jax.grad(lambda x: "loss")(1.0)  # <-


@case(TypeError, "jacrev", "argument x", "int32", "allow_int")
def jacrev_of_integer_input(jax, jnp):
    jax.jacrev(lambda x: x)(jnp.arange(3))  # <-


@case(TypeError, "jacfwd", "argument x", "int32")
def jacfwd_of_integer_input(jax, jnp):
    jax.jacfwd(lambda x: x * 2)(jnp.arange(3))  # <-


@case(TypeError, "hessian", "argument x", "int32")
def hessian_of_integer_input(jax, jnp):
    jax.hessian(lambda x: jnp.sum(x * x))(jnp.arange(3))  # <-


# ## jvp, vjp, linearize

@case(ValueError, "jvp", "same shape", "(3,)", "(2,)")
def jvp_tangent_of_wrong_shape(jax, jnp):
    jax.jvp(jnp.sin, (jnp.ones(3),), (jnp.ones(2),))  # <-


@case(TypeError, "jvp", "equal types", "float32", "float16")
def jvp_tangent_of_wrong_dtype(jax, jnp):
    jax.jvp(jnp.sin, (jnp.ones(3),), (jnp.ones(3, jnp.float16),))  # <-


@case(TypeError, "jvp", "tuples or lists", "ArrayImpl")
def jvp_primals_not_a_tuple(jax, jnp):
    jax.jvp(jnp.sin, jnp.ones(3), jnp.ones(3))  # <-


@case(TypeError, "jvp", "tree structure", "(*, *)", "(*,)")
def jvp_tangents_of_another_structure(jax, jnp):
    jax.jvp(lambda a, b: a * b, (1.0, 2.0), (1.0,))  # <-


@case(ValueError, "vjp", "cotangent", "f32[2]", "f32[3]")
def vjp_cotangent_of_wrong_shape(jax, jnp):
    _, f_vjp = jax.vjp(jnp.sin, jnp.ones(3))
    f_vjp(jnp.ones(2))  # <-


@case(ValueError, "vjp", "cotangent", "structure", "PyTreeDef(*)", "(*, *)")
def vjp_cotangent_of_wrong_structure(jax, jnp):
    _, f_vjp = jax.vjp(jnp.sin, jnp.ones(3))
    f_vjp((jnp.ones(3), jnp.ones(3)))  # <-


@case(ValueError, "linearize", "tangent", "f32[2]", "f32[3]")
def linearize_tangent_of_wrong_shape(jax, jnp):
    _, f_jvp = jax.linearize(jnp.sin, jnp.ones(3))
    f_jvp(jnp.ones(2))  # <-


@case(TypeError, "linearize", "tangent", "structure", "(*,)", "(*, *)")
def linearize_tangents_of_wrong_structure(jax, jnp):
    _, f_jvp = jax.linearize(jnp.sin, jnp.ones(3))
    f_jvp(jnp.ones(3), jnp.ones(3))  # <-


# ## vmap

@case(ValueError, "vmap", "inconsistent sizes", "argument x1", "size 3", "size 4")
def vmap_of_mismatched_sizes(jax, jnp):
    jax.vmap(jnp.arctan2)(jnp.ones(3), jnp.ones(4))  # <-


@case(ValueError, "vmap", "in_axes", "len(in_axes)=1", "len(args)=2")
def vmap_in_axes_of_wrong_length(jax, jnp):
    jax.vmap(jnp.add, in_axes=(0,))(jnp.ones(3), jnp.ones(3))  # <-


@case(TypeError, "vmap", "in_axes", "an int, None", "'a'")
def vmap_in_axes_not_an_int(jax, jnp):
    jax.vmap(jnp.sin, in_axes="a")  # <-


@case(TypeError, "vmap", "in_axes", "0.5", "argument x")
def vmap_in_axes_leaf_not_an_int(jax, jnp):
    jax.vmap(jnp.sin, in_axes=(0.5,))(jnp.ones(3))  # <-


@case(ValueError, "vmap", "axis 1", "rank", "at least 2", "(3,)", "argument x")
def vmap_in_axis_out_of_range(jax, jnp):
    jax.vmap(jnp.sin, in_axes=1)(jnp.ones(3))  # <-


@case(ValueError, "vmap", "axis 0", "rank", "0", "argument x")
def vmap_of_a_scalar(jax, jnp):
    jax.vmap(jnp.sin)(1.0)  # <-


@case(ValueError, "vmap", "in_axes", "non-None", "axis_size")
def vmap_with_nothing_mapped(jax, jnp):
    jax.vmap(jnp.sin, in_axes=None)(jnp.ones(3))  # <-


@case(ValueError, "vmap", "out_axes=3", "out of bounds", "rank 1")
def vmap_out_axes_out_of_range(jax, jnp):
    jax.vmap(jnp.sin, out_axes=3)(jnp.ones(3))  # <-


@case(ValueError, "vmap", "out_axes", "None", "mapped")
def vmap_out_axes_none_for_a_mapped_output(jax, jnp):
    jax.vmap(jnp.sin, out_axes=None)(jnp.ones(3))  # <-


@case(ValueError, "vmap", "axis_size", "was 4", "size 3", "argument x")
def vmap_axis_size_disagrees(jax, jnp):
    jax.vmap(jnp.sin, axis_size=4)(jnp.ones(3))  # <-


@case(ValueError, "vmap", "in_axes", "tree prefix", "{'b': 0}", "{'a': *}")
def vmap_in_axes_of_another_structure(jax, jnp):
    jax.vmap(lambda d: d["a"], in_axes=({"b": 0},))({"a": jnp.ones(3)})  # <-


@case(TypeError, "vmap", "callable", "3")
def vmap_of_a_non_function(jax, jnp):
    jax.vmap(3)  # <-


# ## jit

@case(ValueError, "Non-hashable static arguments", "list", "static argument 'n'", "tuple")
def jit_unhashable_static_argument(jax, jnp):
    jax.jit(lambda x, n: x * len(n), static_argnums=1)(jnp.ones(3), [1, 2])  # <-


@case(ValueError, "Non-hashable static arguments", "dict", "static argument 'opts'")
def jit_unhashable_static_keyword_argument(jax, jnp):
    jax.jit(lambda x, opts: x, static_argnames="opts")(jnp.ones(3), opts={"a": 1})  # <-


@case(TypeError, "jit", "static_argnums", "ints", "'n'")
def jit_static_argnums_not_an_int(jax, jnp):
    jax.jit(lambda x, n: x, static_argnums="n")  # <-


@case(ValueError, "jit", "static_argnums=(3,)", "1 positional argument", "<lambda>")
def jit_static_argnums_out_of_range(jax, jnp):
    jax.jit(lambda x: x, static_argnums=3)  # <-


@case(TypeError, "jit", "callable", "3")
def jit_of_a_non_function(jax, jnp):
    jax.jit(3)  # <-


@case(TypeError, "jit of <lambda>", "argument x", "str", "array")
def jit_of_a_string_argument(jax, jnp):
    jax.jit(lambda x: x)("abc")  # <-


@case(TypeError, "jit of <lambda>", "argument p", "Point", "register_pytree_node")
def jit_of_an_unregistered_class(jax, jnp):
    jax.jit(lambda p: p)(Point(jnp.ones(3)))  # <-


@case(TypeError, "jit of <lambda>", "output [1]", "str", "array")
def jit_of_a_function_returning_a_string(jax, jnp):
    jax.jit(lambda x: (x, "done"))(1.0)  # <-


@case(TypeError, "reshape", "shape", "concrete", "static_argnums")
def jit_traced_value_as_a_shape(jax, jnp):
    jax.jit(lambda x, n: jnp.reshape(x, (n,)))(jnp.ones(3), 3)  # <-


@case(TypeError, "zeros", "shape", "concrete", "static_argnums")
def jit_traced_value_as_a_size(jax, jnp):
    jax.jit(lambda n: jnp.zeros(n))(3)  # <-


@case(TypeError, "Compiled", "f32[4]", "f32[3]", on_jax=False)
def compiled_called_with_another_shape(jax, jnp):
    compiled = jax.jit(jnp.sin).lower(jnp.ones(3)).compile()
    compiled(jnp.ones(4))  # <-


# ## Python control flow and conversions on tracers

@case(TypeError, "boolean conversion", "bool[]", "lax.cond", same_class=True)
def jit_python_if_on_a_tracer(jax, jnp):
    def relu(x):
        if x > 0:  # <-
            return x
        return 0.0
    jax.jit(relu)(1.0)


@case(TypeError, "boolean conversion", "bool[]", "VmapTracer", same_class=True)
def vmap_python_if_on_a_tracer(jax, jnp):
    def relu(x):
        return x if x > 0 else 0.0  # <-
    jax.vmap(relu)(jnp.ones(3))


@case(TypeError, "integer conversion", "i32[]", "static_argnums", same_class=True)
def jit_python_range_of_a_tracer(jax, jnp):
    def total(n):
        return sum(range(n))  # <-
    jax.jit(total)(3)


@case(TypeError, "integer conversion", "i32[]", "Python index", same_class=True)
def jit_tracer_as_a_python_list_index(jax, jnp):
    table = [1.0, 2.0, 3.0]
    jax.jit(lambda i: table[i])(1)  # <-


@case(TypeError, "float", "f32[]", "concrete", same_class=True)
def jit_python_float_of_a_tracer(jax, jnp):
    jax.jit(lambda x: float(x))(1.0)  # <-


@case(TypeError, "__array__", "numpy", "float32[3]", same_class=True)
def jit_numpy_function_on_a_tracer(jax, jnp):
    jax.jit(lambda x: np.sin(np.asarray(x)))(jnp.ones(3))  # <-


@case(TypeError, "unhashable", "static_argnums")
def jit_tracer_as_a_dict_key(jax, jnp):
    jax.jit(lambda x: {x: 1})(1.0)  # <-


# ## Tracers leaking out of transforms

@case(Exception, "unexpected tracer", "sin", "float32[]", "return the value", filtered=False)
def tracer_leaked_from_jit(jax, jnp):
    store = []

    def f(x):
        store.append(x)
        return x
    jax.jit(f)(1.0)
    jnp.sin(store[0])  # <-


@case(Exception, "unexpected tracer", "GradTracer", "f32[3]", "return the value")
def tracer_leaked_from_grad_used_in_jit(jax, jnp):
    store = []

    def loss(x):
        store.append(x)
        return jnp.sum(x)
    jax.grad(loss)(jnp.ones(3))
    jax.jit(lambda y: y * store[0])(jnp.ones(3))  # <-


# ## Pytrees

@case(ValueError, "tree_map", "tuple", "length 2", "length 3")
def tree_map_of_mismatched_tuples(jax, jnp):
    jax.tree_util.tree_map(lambda a, b: a + b, (1, 2), (1, 2, 3))  # <-


@case(ValueError, "tree_map", "dict", "('a',)", "('b',)")
def tree_map_of_mismatched_dict_keys(jax, jnp):
    jax.tree_util.tree_map(lambda a, b: a + b, {"a": 1}, {"b": 1})  # <-


# The message is JAX's, word for word (test_tree_util checks it): it names the PyTreeDef.
@case(ValueError, "leaves for PyTreeDef", "expected 2", "got 1")
def tree_unflatten_with_too_few_leaves(jax, jnp):
    treedef = jax.tree_util.tree_structure((1, 2))
    jax.tree_util.tree_unflatten(treedef, [1])  # <-


@case(ValueError, "Duplicate", "registration", "Pair")
def register_pytree_node_twice(jax, jnp):
    class Pair:
        pass
    jax.tree_util.register_pytree_node(Pair, lambda p: ((), None), lambda _, c: Pair())
    jax.tree_util.register_pytree_node(Pair, lambda p: ((), None), lambda _, c: Pair())  # <-


@case(TypeError, "jvp", "primal", "Point", "register_pytree_node")
def jvp_of_unregistered_class(jax, jnp):
    jax.jvp(lambda p: p.x, (Point(1.0),), (Point(1.0),))  # <-


# ## zenax.numpy

@case(TypeError, "reshape", "size 3", "(2, 2)")
def reshape_to_another_size(jax, jnp):
    jnp.reshape(jnp.ones(3), (2, 2))  # <-


@case(TypeError, "add", "Incompatible shapes for broadcasting", "(3,)", "(4,)")
def add_of_unbroadcastable_shapes(jax, jnp):
    jnp.add(jnp.ones(3), jnp.ones(4))  # <-


@case(TypeError, "matmul", "(2, 3)", "(4, 5)", "3", "4")
def matmul_of_mismatched_inner_dimensions(jax, jnp):
    jnp.matmul(jnp.ones((2, 3)), jnp.ones((4, 5)))  # <-


@case(TypeError, "dot", "(3,)", "(4,)")
def dot_of_vectors_of_different_lengths(jax, jnp):
    jnp.dot(jnp.ones(3), jnp.ones(4))  # <-


@case(ValueError, "sum", "axis 2", "out of bounds", "dimension 1")
def sum_over_a_missing_axis(jax, jnp):
    jnp.sum(jnp.ones(3), axis=2)  # <-


@case(TypeError, "transpose", "(0, 0)", "2")
def transpose_with_a_repeated_axis(jax, jnp):
    jnp.transpose(jnp.ones((2, 3)), (0, 0))  # <-


@case(TypeError, "concatenate", "(2, 3)", "(2, 4)")
def concatenate_of_mismatched_shapes(jax, jnp):
    jnp.concatenate([jnp.ones((2, 3)), jnp.ones((2, 4))], axis=0)  # <-


@case(TypeError, "concatenate", "number of dimensions", "(2, 3)", "(3,)")
def concatenate_of_different_ranks(jax, jnp):
    jnp.concatenate([jnp.ones((2, 3)), jnp.ones(3)])  # <-


# jax.numpy's ufuncs are jitted, so their frames are filtered; ours are plain functions whose
# frames show below the caller's line (as for most of jax.numpy).  Same below.
@case(TypeError, "sin", "str", "position 0", filtered=False)
def sin_of_a_string(jax, jnp):
    jnp.sin("abc")  # <-


@case(TypeError, "asarray", "'a'", "str")
def asarray_of_strings(jax, jnp):
    jnp.asarray(["a", "b"])  # <-


@case(TypeError, "zeros", "negative", "(-1,)", ">= 0")
def zeros_of_negative_size(jax, jnp):
    jnp.zeros(-1)  # <-


@case(TypeError, "zeros", "shape", "(2.5,)")
def zeros_of_a_float_shape(jax, jnp):
    jnp.zeros((2.5,))  # <-


@case(TypeError, "astype", "dtype", "'notadtype'")
def astype_to_an_unknown_dtype(jax, jnp):
    jnp.astype(jnp.ones(3), "notadtype")  # <-


@case(IndexError, "Too many indices", "1-dimensional", "2")
def index_with_too_many_indices(jax, jnp):
    jnp.ones(3)[0, 0]  # <-


@case(TypeError, "Indexer", "integer", "float")
def index_with_a_float(jax, jnp):
    jnp.ones(3)[1.5]  # <-


@case(ValueError, "split", "equal division", "size 3", "2")
def split_into_unequal_parts(jax, jnp):
    jnp.split(jnp.ones(3), 2)  # <-


@case(ValueError, "squeeze", "axis 0", "(3,)", "one")
def squeeze_of_a_non_unit_axis(jax, jnp):
    jnp.squeeze(jnp.ones(3), 0)  # <-


@case(ValueError, "broadcast_to", "(3,)", "(4,)")
def broadcast_to_an_incompatible_shape(jax, jnp):
    jnp.broadcast_to(jnp.ones(3), (4,))  # <-


@case(ValueError, "mean", "duplicate", "axis", "(0, 0)")
def mean_over_a_repeated_axis(jax, jnp):
    jnp.mean(jnp.ones((2, 3)), axis=(0, 0))  # <-


@case(ValueError, "expand_dims", "axis 5", "out of bounds")
def expand_dims_out_of_range(jax, jnp):
    jnp.expand_dims(jnp.ones(3), 5)  # <-


@case(TypeError, "arange", "start", "number", "None")
def arange_of_none(jax, jnp):
    jnp.arange(None)  # <-


# ## zenax.lax and control flow

@case(TypeError, "add", "same dtypes", "float32", "int32")
def lax_add_of_mixed_dtypes(jax, jnp):
    jax.lax.add(jnp.ones(3), jnp.ones(3, jnp.int32))  # <-


@case(TypeError, "add", "shapes", "(3,)", "(4,)")
def lax_add_of_mixed_shapes(jax, jnp):
    jax.lax.add(jnp.ones(3), jnp.ones(4))  # <-


@case(TypeError, "stop_gradient", "argument x", "str", "array")
def stop_gradient_of_a_string(jax, jnp):
    jax.lax.stop_gradient("abc")  # <-


@case(TypeError, "cond", "true_fun", "false_fun", "f32[]", "i32[]")
def cond_branches_of_different_dtypes(jax, jnp):
    jax.lax.cond(True, lambda x: x, lambda x: x.astype(jnp.int32), 1.0)  # <-


@case(TypeError, "cond", "true_fun", "false_fun", "f32[3]", "f32[2]")
def cond_branches_of_different_shapes(jax, jnp):
    jax.lax.cond(True, lambda x: x, lambda x: jnp.ones(2), jnp.ones(3))  # <-


@case(TypeError, "cond", "Pred", "scalar", "(2,)", "jnp.where")
def cond_with_a_vector_predicate(jax, jnp):
    jax.lax.cond(jnp.array([True, False]), lambda: 1.0, lambda: 2.0)  # <-


@case(TypeError, "fori_loop", "carry", "f32[]", "i32[]")
def fori_loop_body_changing_the_carry_dtype(jax, jnp):
    jax.lax.fori_loop(0, 3, lambda i, c: c.astype(jnp.int32), 1.0)  # <-


@case(TypeError, "scan", "carry", "f32[]", "f32[2]")
def scan_body_changing_the_carry_shape(jax, jnp):
    jax.lax.scan(lambda c, x: (jnp.ones(2), x), 1.0, jnp.ones(3))  # <-


@case(ValueError, "scan", "xs", "leading axis sizes", "3", "4")
def scan_over_xs_of_different_lengths(jax, jnp):
    jax.lax.scan(lambda c, xs: (c, c), 0.0, (jnp.ones(3), jnp.ones(4)))  # <-


@case(TypeError, "while_loop", "cond_fun", "boolean scalar", "f32[]")
def while_loop_cond_not_boolean(jax, jnp):
    jax.lax.while_loop(lambda c: c, lambda c: c + 1, 1.0)  # <-


@case(TypeError, "while_loop", "body_fun", "f32[]", "f32[2]")
def while_loop_body_changing_the_carry_shape(jax, jnp):
    jax.lax.while_loop(lambda c: c < 3, lambda c: jnp.ones(2), 1.0)  # <-


@case(TypeError, "switch", "index", "integer", "f32[]")
def switch_with_a_float_index(jax, jnp):
    jax.lax.switch(1.0, [lambda: 1.0, lambda: 2.0])  # <-


# ## PRNG keys

@case(TypeError, "normal", "key", "uint32[2]", "i32[]")
def random_with_an_int_as_key(jax, jnp):
    jax.random.normal(3, (2,))  # <-


@case(TypeError, "normal", "key", "uint32[2]", "u32[3]")
def random_with_a_key_of_wrong_shape(jax, jnp):
    jax.random.normal(jnp.ones(3, jnp.uint32), (2,))  # <-


@case(TypeError, "normal", "key", "uint32[2]", "f32[2]")
def random_with_a_float_key(jax, jnp):
    jax.random.normal(jnp.ones(2), (2,))  # <-


@case(TypeError, "PRNGKey", "seed", "integer", "f32[]")
def prng_key_from_a_float_seed(jax, jnp):
    jax.random.PRNGKey(1.5)  # <-


# JAX fails inside the compiler (an MLIR error) for negative sizes; we name the argument.
@case(ValueError, "normal", "shape", "non-negative", "(-1,)", on_jax=False)
def random_with_a_negative_shape(jax, jnp):
    jax.random.normal(jax.random.PRNGKey(0), (-1,))  # <-


@case(ValueError, "split", "num", "non-negative", "(-2,)", on_jax=False)
def random_split_into_a_negative_number(jax, jnp):
    jax.random.split(jax.random.PRNGKey(0), -2)  # <-


@case(TypeError, "split", "num", "static ints", "2.5")
def random_split_into_a_fractional_number(jax, jnp):
    jax.random.split(jax.random.PRNGKey(0), 2.5)  # <-


@case(TypeError, "uniform", "minval", "number", "'low'", "str")
def random_uniform_with_a_string_bound(jax, jnp):
    jax.random.uniform(jax.random.PRNGKey(0), (2,), minval="low")  # <-


@case(TypeError, "randint", "integer dtypes", "float32")
def random_randint_with_a_float_dtype(jax, jnp):
    jax.random.randint(jax.random.PRNGKey(0), (2,), 0, 5, dtype=jnp.float32)  # <-


# ## Optimizers (Optax is the oracle for zenax.optim)

def _optim(lib):
    return optax if lib is jax else lib.optim


@case(TypeError, "adam", "learning_rate", "'fast'", "str", "adam(learning_rate=1e-3)")
def optimizer_with_a_string_learning_rate(jax, jnp):
    params = {"w": jnp.ones(3)}
    opt = _optim(jax).adam("fast")  # <-
    opt.update(params, opt.init(params), params)   # (Optax only fails here)


@case(ValueError, "add_decayed_weights", "params=None", "opt.update(grads, state, params)")
def adamw_update_without_params(jax, jnp):
    params = {"w": jnp.ones(3)}
    opt = _optim(jax).adamw(1e-3)
    opt.update(params, opt.init(params))  # <-


# Optax fails on a missing state with a bare "object of type 'NoneType' has no len()".
@case(ValueError, "state", "opt.init(params)", "NoneType", on_jax=False)
def optimizer_update_without_a_state(jax, jnp):
    params = {"w": jnp.ones(3)}
    _optim(jax).adam(1e-3).update(params, None, params)  # <-


@case(TypeError, "chain", "argument 0", "GradientTransformation", "str", on_jax=False)
def optimizer_chain_of_a_name(jax, jnp):
    _optim(jax).chain("adam", _optim(jax).sgd(0.1))  # <-


# ## Checkpoints (zenax.io; JAX has no checkpoint format of its own)

def _checkpoint(tree, name="params.safetensors"):
    path = os.path.join(tempfile.mkdtemp(), name)
    zenax.io.save(path, tree)
    return path


@case(FileNotFoundError, "zenax.io.load", "no such file", "missing.safetensors", on_jax=False)
def load_a_missing_checkpoint(jax, jnp):
    zenax.io.load(os.path.join(tempfile.mkdtemp(), "missing.safetensors"))  # <-


@case(ValueError, "zenax.io.load", "truncated.safetensors", "not a valid safetensors file",
      on_jax=False)
def load_a_truncated_checkpoint(jax, jnp):
    path = _checkpoint({"w": jnp.ones(3)})
    data = open(path, "rb").read()
    truncated = path.replace("params", "truncated")
    with open(truncated, "wb") as f:
        f.write(data[:40])
    zenax.io.load(truncated)  # <-


@case(ValueError, "zenax.io.load", "template", "'w'", "f32[4]", "f32[3]", on_jax=False)
def load_into_a_template_of_another_shape(jax, jnp):
    path = _checkpoint({"w": jnp.ones(3)})
    zenax.io.load(path, like={"w": jnp.ones(4)})  # <-


@case(ValueError, "zenax.io.load", "template", "'b'", "not in the template", on_jax=False)
def load_into_a_template_of_another_structure(jax, jnp):
    path = _checkpoint({"w": jnp.ones(3), "b": jnp.zeros(2)})
    zenax.io.load(path, like={"w": jnp.ones(3)})  # <-


@case(TypeError, "zenax.io.save", "tree['name']", "str", "expected an array", on_jax=False)
def save_a_tree_with_a_string_leaf(jax, jnp):
    path = os.path.join(tempfile.mkdtemp(), "p.safetensors")
    zenax.io.save(path, {"w": jnp.ones(3), "name": "mlp"})  # <-


@case(FileNotFoundError, "restore_checkpoint", "no checkpoint", on_jax=False)
def restore_from_a_directory_without_checkpoints(jax, jnp):
    zenax.io.restore_checkpoint(tempfile.mkdtemp(), like=({"w": jnp.ones(3)}, None))  # <-


# ## Custom rules, remat, devices

@case(AttributeError, "No JVP defined", "defjvp")
def custom_jvp_without_a_rule(jax, jnp):
    f = jax.custom_jvp(lambda x: x)
    jax.jvp(f, (1.0,), (1.0,))  # <-


@case(AttributeError, "No VJP defined", "defvjp")
def custom_vjp_without_a_rule(jax, jnp):
    f = jax.custom_vjp(lambda x: x)
    jax.grad(f)(1.0)  # <-


@case(TypeError, "checkpoint", "policy", "callable", "3", on_jax=False)
def checkpoint_with_a_non_callable_policy(jax, jnp):
    jax.checkpoint(lambda x: x, policy=3)  # <-


@case(TypeError, "device_put", "argument x", "str", "array")
def device_put_of_a_string(jax, jnp):
    jax.device_put("abc")  # <-


# ## The checks

def _user_frames(tb):
    return [f for f in traceback.extract_tb(tb) if not is_internal_file(f.filename)]


def _jax_frames(tb):
    """The oracle's own frames (JAX's, or Optax's for the optimizer cases)."""
    return [f for f in traceback.extract_tb(tb)
            if any(os.sep + lib + os.sep in f.filename for lib in ("jax", "jaxlib", "optax"))]


def _zenax_frames(tb):
    return [f for f in traceback.extract_tb(tb)
            if is_internal_file(f.filename) and os.sep + "jax" not in f.filename]


BARE_INTERNAL = (KeyError, AttributeError, AssertionError, NotImplementedError, RuntimeError,
                 ZeroDivisionError, StopIteration, RecursionError)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name):
    c = CASES[name]
    with pytest.raises(Exception) as info:
        c.fn(zenax, znp)
    err = info.value
    msg = str(err)
    assert isinstance(err, c.error), f"{type(err).__name__}: {msg}"
    for word in c.words:
        assert word in msg, f"{word!r} not in the message:\n{msg}"
    # Where the user's line is, per the traceback: the case's marked line.
    frames = _user_frames(err.__traceback__)
    assert frames and os.path.abspath(frames[-1].filename) == _HERE, frames
    assert frames[-1].line.endswith(MARK), (frames[-1].lineno, frames[-1].line)
    jax_err = None
    if c.on_jax:
        with pytest.raises(Exception) as jax_info:
            c.fn(jax, jjnp)
        jax_err = jax_info.value
        assert isinstance(jax_err, c.error), f"JAX: {type(jax_err).__name__}: {jax_err}"
        if c.same_class:
            assert type(err).__name__ == type(jax_err).__name__, (type(err), type(jax_err))
    filtered = c.filtered
    if filtered is None:
        filtered = jax_err is not None and not _jax_frames(jax_err.__traceback__)
    if filtered:
        assert not _zenax_frames(err.__traceback__), _zenax_frames(err.__traceback__)
    if isinstance(err, BARE_INTERNAL):
        assert jax_err is not None and isinstance(jax_err, type(err)), \
            f"bare internal {type(err).__name__}: {msg}"


def test_the_catalogue_is_large():
    assert len(CASES) >= 60
