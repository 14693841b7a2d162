"""zenax.profiler: JAX's profiler, which sees zenax's programs as they run.

Every zenax executable is one of JAX's XLA executables, so traces (``trace``,
``start_trace``/``stop_trace``), annotations (``TraceAnnotation``,
``StepTraceAnnotation``, ``annotate_function``), the profiler server and device memory
profiles are JAX's runtime, unchanged.  A jitted zenax function appears in a trace under
the name zenax gives its XLA program, ``jit(<function name>)``.

>>> with TraceAnnotation("step"):
...     y = zenax.numpy.ones(2) * 2
>>> y
Array([2., 2.], dtype=float32)
"""
from __future__ import annotations

from jax.profiler import (ProfileData, ProfileEvent, ProfileOptions, ProfilePlane,  # noqa: F401
                          StepTraceAnnotation, TraceAnnotation, annotate_function,
                          device_memory_profile, register_subprocess,
                          save_device_memory_profile, start_server, start_trace, stop_server,
                          stop_trace, trace)

__all__ = ["ProfileData", "ProfileEvent", "ProfileOptions", "ProfilePlane",
           "StepTraceAnnotation", "TraceAnnotation", "annotate_function",
           "device_memory_profile", "register_subprocess", "save_device_memory_profile",
           "start_server", "start_trace", "stop_server", "stop_trace", "trace"]
