"""The `model` config group: one module per model family, each registered by name with its schema.

Adding a model = one module here (a schema dataclass + a `@MODELS.register` build function that
imports Keras inside it) and one `conf/model/<name>.yaml`.
"""

from forecast_cli.models.registry import MODELS


def build_model(cfg, spec):
    """A Keras model mapping [batch, input_width, n_features] -> [batch, label_width, n_labels]."""
    from omegaconf import OmegaConf

    import forecast_cli.models._layers  # noqa: F401  (registers the custom layers)

    entry = MODELS.get(cfg.name)
    typed = OmegaConf.to_object(cfg) if OmegaConf.is_config(cfg) else cfg
    return entry.build(typed, spec)


__all__ = ["MODELS", "build_model"]
