"""The `model` config group: one module per model family, each registered by name with its schema.

Adding a model = one module here (a schema dataclass + a `@MODELS.register` build function that
imports Keras inside it) and one `conf/model/<name>.yaml`. Shared Keras layers live in `layers/`.
"""

from forecast_cli.registry import Registry

MODELS = Registry("model", "forecast_cli.models")


def build_model(cfg, spec, season: int = 1, n_series=None):
    """A Keras model mapping [batch, input_width, n_features] -> [batch, label_width, n_labels].

    With `model.revin=true` the family's model sits between a RevIN normalization of its inputs and the
    denormalization of its forecast (models/base.py `with_revin`): no family applies RevIN itself.
    With `model.series_embedding=DIM` it sits behind a table of `n_series` learned vectors looked up by
    the series index of the window's last input channel (models/_series_embedding.py).
    With `model.init=torch` its linear and convolution layers start from PyTorch's draws (models/_torch_init.py).
    `season`: the data's seasonal period, for a family whose `model.season` is null."""
    import dataclasses

    from omegaconf import OmegaConf

    import forecast_cli.models.layers  # noqa: F401  (registers the custom layers)
    from forecast_cli.models.base import with_revin

    entry = MODELS.get(cfg.name)
    typed = OmegaConf.to_object(cfg) if OmegaConf.is_config(cfg) else cfg
    if getattr(typed, "season", 0) is None:
        typed = dataclasses.replace(typed, season=int(season))
    typed.check_init()
    typed.check_stateful()
    typed.check_series_embedding()
    typed.check_window(spec)
    if typed.series_embedding:
        from forecast_cli.models._series_embedding import with_series_embedding

        model = with_series_embedding(entry.implementation, typed, spec, n_series)
    else:
        model = entry.implementation(typed, spec)
        model = with_revin(model, spec, bool(typed.revin_affine)) if typed.revin else model
    if typed.init == "torch":
        from forecast_cli.models._torch_init import torch_initialize

        torch_initialize(model)
    return model


__all__ = ["MODELS", "build_model"]
