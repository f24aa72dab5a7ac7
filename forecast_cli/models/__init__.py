"""The `model` config group: one module per model family, each registered by name with its schema.

Adding a model = one module here (a schema dataclass + a `@MODELS.register` build function that
imports Keras inside it) and one `conf/model/<name>.yaml`. Shared Keras layers live in `layers/`.
"""

from forecast_cli.registry import Registry

MODELS = Registry("model", "forecast_cli.models")


def build_model(cfg, spec):
    """A Keras model mapping [batch, input_width, n_features] -> [batch, label_width, n_labels]."""
    from omegaconf import OmegaConf

    import forecast_cli.models.layers  # noqa: F401  (registers the custom layers)

    entry = MODELS.get(cfg.name)
    typed = OmegaConf.to_object(cfg) if OmegaConf.is_config(cfg) else cfg
    return entry.implementation(typed, spec)


__all__ = ["MODELS", "build_model"]
