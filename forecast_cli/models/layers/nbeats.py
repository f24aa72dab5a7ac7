"""The fixed bases of N-BEATS' interpretable blocks (Oreshkin et al., ICLR 2020): a block's expansion
coefficients (theta) times a polynomial (trend) or Fourier (seasonality) basis give its backcast and its
forecast. The bases are constants computed from the sizes; the layer has no weights."""

import keras
import numpy as np
from keras import ops

BASES = ("trend", "seasonality")


def trend_basis(degree: int, size: int) -> np.ndarray:
    """[degree + 1, size]: t**i for t = 0, 1/size, ..., (size - 1)/size."""
    t = np.arange(size, dtype=np.float64) / size
    return np.stack([t**i for i in range(degree + 1)])


def harmonic_frequencies(harmonics: int, forecast_size: int) -> np.ndarray:
    """0, then every 1/harmonics up to forecast_size/2 (the paper's code: harmonics=1 gives 0, 1, 2, ...)."""
    return np.concatenate([[0.0], np.arange(harmonics, harmonics / 2 * forecast_size) / harmonics])


def seasonality_bases(harmonics: int, backcast_size: int, forecast_size: int):
    """Cosine and sine bases [frequencies, size] of the backcast and of the forecast, time in units of
    the forecast length (the backcast's running backwards from the forecast's start)."""
    frequencies = harmonic_frequencies(harmonics, forecast_size)
    backcast_grid = -2 * np.pi * (np.arange(backcast_size)[:, None] / forecast_size) * frequencies
    forecast_grid = 2 * np.pi * (np.arange(forecast_size)[:, None] / forecast_size) * frequencies
    return np.cos(backcast_grid).T, np.sin(backcast_grid).T, np.cos(forecast_grid).T, np.sin(forecast_grid).T


def theta_size(basis: str, degree: int, harmonics: int, forecast_size: int) -> int:
    """Coefficients a block's theta layer gives the basis: backcast's and forecast's."""
    if basis == "trend":
        return 2 * (degree + 1)
    return 4 * len(harmonic_frequencies(harmonics, forecast_size))


@keras.saving.register_keras_serializable(package="forecast")
class BasisExpansion(keras.layers.Layer):
    """theta [..., theta_size] -> [backcast [..., backcast_size], forecast [..., forecast_size]].

    trend: the first half of theta weighs the forecast's polynomials, the second the backcast's;
    seasonality: theta's quarters weigh forecast cosines, forecast sines, backcast cosines, backcast sines."""

    def __init__(self, basis, backcast_size, forecast_size, degree=3, harmonics=1, **kwargs):
        super().__init__(**kwargs)
        if basis not in BASES:
            raise ValueError(f"basis must be one of {BASES}, got {basis!r}")
        self.basis = basis
        self.backcast_size = int(backcast_size)
        self.forecast_size = int(forecast_size)
        self.degree = int(degree)
        self.harmonics = int(harmonics)
        if basis == "trend":
            self._backcast = trend_basis(self.degree, self.backcast_size).astype("float32")
            self._forecast = trend_basis(self.degree, self.forecast_size).astype("float32")
        else:
            back_cos, back_sin, fore_cos, fore_sin = seasonality_bases(self.harmonics, self.backcast_size, self.forecast_size)
            self._forecast = np.concatenate([fore_cos, fore_sin]).astype("float32")  # [2K, forecast_size]
            self._backcast = np.concatenate([back_cos, back_sin]).astype("float32")  # [2K, backcast_size]

    def call(self, theta):
        half = self._forecast.shape[0]
        forecast = ops.matmul(theta[..., :half], ops.convert_to_tensor(self._forecast, dtype=theta.dtype))
        backcast = ops.matmul(theta[..., half:], ops.convert_to_tensor(self._backcast, dtype=theta.dtype))
        return backcast, forecast

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.backcast_size), (*input_shape[:-1], self.forecast_size)

    def get_config(self):
        config = super().get_config()
        config.update(
            basis=self.basis,
            backcast_size=self.backcast_size,
            forecast_size=self.forecast_size,
            degree=self.degree,
            harmonics=self.harmonics,
        )
        return config
