"""`trainer.precision`: Keras's global dtype policy for one run, checked against the devices that run it.

Mixed policies compute in 16 bits and keep float32 weights; the forecast head outputs float32. Where a
device cannot use a policy (float16 needs a GPU of compute capability 7.0+, bfloat16 a TPU, a CPU or a
GPU of 8.0+), the run warns and trains in float32; run.json records the policy in effect.
"""

import logging

log = logging.getLogger("forecast.train")

MIN_GPU_CAPABILITY = {"mixed_float16": (7, 0), "mixed_bfloat16": (8, 0)}


def unsupported_reason(policy: str):
    """Why the visible devices cannot use `policy`, or None when they can."""
    import tensorflow as tf

    if policy == "float32" or tf.config.list_logical_devices("TPU"):
        return None
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "no GPU is visible (float16 on a CPU is emulated and slow)" if policy == "mixed_float16" else None
    wanted = MIN_GPU_CAPABILITY[policy]
    for gpu in gpus:
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability is None or tuple(capability) < wanted:
            return f"GPU {gpu.name} has compute capability {capability}, {policy} needs {wanted[0]}.{wanted[1]}+"
    return None


def apply_precision(requested: str) -> str:
    """Set the global policy before any model is built; return the policy in effect."""
    import keras

    reason = unsupported_reason(requested)
    effective = requested if reason is None else "float32"
    if reason is not None:
        log.warning("trainer.precision=%s falls back to float32: %s", requested, reason)
    keras.mixed_precision.set_global_policy(effective)
    return effective
