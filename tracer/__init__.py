"""zenax.tracer: values, the IR, tracing machinery and pytrees (the bottom layer)."""
from .avals import ShapedArray  # noqa: F401
from .core import (Primitive, Trace, Tracer, bind, current_trace, get_aval,  # noqa: F401
                   set_current_trace)
from .ir import (ClosedJaxpr, Jaxpr, JaxprEqn, JaxprTypeError, Literal, Var,  # noqa: F401
                 eval_jaxpr, typecheck_jaxpr)
