"""Importing and configuring TensorFlow, only once a run really needs it."""

from forecast_cli.errors import ForecastError


def import_tensorflow():
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise ForecastError(
            "TensorFlow is not installed: pip install 'forecast-cli[cpu]' (or 'forecast-cli[gpu]' on a CUDA host)"
        ) from exc
    return tf


def seed_everything(seed: int, deterministic: bool) -> None:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
