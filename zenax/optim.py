"""zenax.optim: optimizers as pure functions over pytrees, and learning-rate schedules
(Optax's vocabulary: ``opt = optim.adam(1e-3); state = opt.init(params)``).

>>> import zenax.numpy as jnp
>>> from zenax import optim
>>> opt = optim.chain(optim.clip_by_global_norm(1.0), optim.adamw(1e-3, weight_decay=1e-2))
>>> state = opt.init({'w': jnp.zeros(3)})
"""
from zenax.models.optim import (EmptyState, GradientTransformation,  # noqa: F401
                                InjectHyperparamsState, MaskedNode, MaskedState,
                                MultiTransformState, ScaleByAdamState, ScaleByLionState,
                                ScaleByRmsState, ScaleByRssState, ScaleByRStdDevState,
                                ScaleByScheduleState, TraceState, WeightDecayScheduleState,
                                adagrad, adam, adamw, add_decayed_weights, apply_updates, chain,
                                clip, clip_by_global_norm, global_norm, identity,
                                inject_hyperparams, lion, masked, multi_transform, rmsprop,
                                scale, scale_by_adam, scale_by_learning_rate, scale_by_lion,
                                scale_by_rms, scale_by_rss, scale_by_schedule, scale_by_stddev,
                                set_to_zero, sgd, trace)
from zenax.models.schedules import (Schedule, constant_schedule,  # noqa: F401
                                    cosine_decay_schedule, exponential_decay, join_schedules,
                                    linear_onecycle_schedule, linear_schedule,
                                    piecewise_constant_schedule, polynomial_schedule,
                                    warmup_cosine_decay_schedule)
