"""zenax.monitoring: JAX's event hooks, shared with zenax.

Listeners registered here receive the events and durations JAX's runtime records --
which include the compilation of every zenax program, since zenax compiles through JAX
-- as well as the events user code records with ``record_event`` and friends.

>>> seen = []
>>> register_event_listener(lambda event, **kw: seen.append(event))
>>> record_event("/my_app/started")
>>> seen
['/my_app/started']
>>> clear_event_listeners()
"""
from __future__ import annotations

from jax.monitoring import (clear_event_listeners, record_event,  # noqa: F401
                            record_event_duration_secs, record_event_time_span, record_scalar,
                            register_event_duration_secs_listener, register_event_listener,
                            register_event_time_span_listener, register_scalar_listener,
                            unregister_event_duration_listener, unregister_event_listener,
                            unregister_event_time_span_listener, unregister_scalar_listener)

__all__ = ["clear_event_listeners", "record_event", "record_event_duration_secs",
           "record_event_time_span", "record_scalar", "register_event_duration_secs_listener",
           "register_event_listener", "register_event_time_span_listener",
           "register_scalar_listener", "unregister_event_duration_listener",
           "unregister_event_listener", "unregister_event_time_span_listener",
           "unregister_scalar_listener"]
