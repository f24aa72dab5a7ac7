"""PatchTST's patching: each channel's input window cut into overlapping patches (its tokens)."""

import keras
import numpy as np
from keras import ops


def patch_count(steps: int, patch_len: int, stride: int) -> int:
    """Patches of a series of `steps` values padded at the end with `stride` copies of its last value."""
    return (steps - patch_len) // stride + 2


@keras.saving.register_keras_serializable(package="forecast")
class Patching(keras.layers.Layer):
    """[..., time] -> [..., patch_count, patch_len]: patch p holds the steps p*stride ... p*stride + patch_len - 1
    of the series padded at its end with `stride` copies of the last value (the paper's padding_patch='end')."""

    def __init__(self, patch_len, stride, **kwargs):
        super().__init__(**kwargs)
        self.patch_len = int(patch_len)
        self.stride = int(stride)

    def call(self, inputs):
        steps = inputs.shape[-1]
        padded = ops.concatenate([inputs, ops.repeat(inputs[..., -1:], self.stride, axis=-1)], axis=-1)
        starts = np.arange(patch_count(steps, self.patch_len, self.stride)) * self.stride
        indices = starts[:, None] + np.arange(self.patch_len)[None, :]  # [patch_count, patch_len]
        return ops.take(padded, indices, axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], patch_count(input_shape[-1], self.patch_len, self.stride), self.patch_len)

    def get_config(self):
        config = super().get_config()
        config.update(patch_len=self.patch_len, stride=self.stride)
        return config
