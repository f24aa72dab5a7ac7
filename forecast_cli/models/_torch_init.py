"""`model.init=torch`: the initial weights PyTorch gives the reference implementations' layers.

The papers' code is PyTorch, whose `nn.Linear` and `nn.Conv1d` draw kernel and bias from
U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a=sqrt(5)); Keras draws kernels from Glorot's
U(-sqrt(6/(fan_in+fan_out)), ...) and starts biases at zero. On a 96 -> 96 map Glorot's range is 1.7 times
PyTorch's, and every bias starts elsewhere. A kernel a model initializes on purpose (DLinear's 1/input
average, a zero head) keeps its own start; its bias still follows PyTorch, as `nn.Linear` does there.
"""

import math

import keras

from forecast_cli.models.layers import PerChannelDense, TransformerEncoderLayer

DEFAULT_KERNEL = keras.initializers.GlorotUniform


def _draw(variable, fan_in: int) -> None:
    bound = 1.0 / math.sqrt(fan_in)
    variable.assign(keras.random.uniform(variable.shape, -bound, bound, dtype=variable.dtype))


def _fan_in(layer) -> int:
    """The inputs each output of a linear layer sums: Dense (in, out), Conv1D (taps, in, out), PerChannelDense
    (channels, in, out), LTSF-Linear's one nn.Linear per channel."""
    shape = layer.kernel.shape
    if isinstance(layer, keras.layers.Conv1D):
        return math.prod(shape[:-1])
    return int(shape[1] if isinstance(layer, PerChannelDense) else shape[0])


def _linear_maps(layer):
    """(kernel, bias, fan_in, whether the kernel took Keras' default start) of each linear map `layer` holds."""
    if isinstance(layer, TransformerEncoderLayer):  # its attention's four d_model -> d_model maps
        for name in ("query", "key", "value", "output"):
            kernel = getattr(layer, f"{name}_kernel")
            yield kernel, getattr(layer, f"{name}_bias"), int(kernel.shape[0]), True
    elif isinstance(layer, (keras.layers.Dense, keras.layers.Conv1D, PerChannelDense)):
        yield layer.kernel, layer.bias, _fan_in(layer), isinstance(layer.kernel_initializer, DEFAULT_KERNEL)


def torch_initialize(model) -> None:
    """Redraw, in place, the weights of every linear and convolution layer of `model` as PyTorch would."""
    for layer in model._flatten_layers(include_self=False, recursive=True):
        for kernel, bias, fan_in, default_kernel in _linear_maps(layer):
            if default_kernel:
                _draw(kernel, fan_in)
            if bias is not None:
                _draw(bias, fan_in)
