"""`seasonal_naive`: every step forecast by the value one season earlier (the competitions' seasonal naive
baseline, the reference of MASE and OWA); nothing to train. `model.season` null: the data's seasonal
period (data.season, a .tsf @frequency, the dates' frequency)."""

from dataclasses import dataclass
from typing import ClassVar, Optional

from omegaconf import MISSING

from forecast_cli.errors import ForecastError, require
from forecast_cli.models import MODELS
from forecast_cli.models.base import ModelConfig, label_positions, model_input


@dataclass
class SeasonalNaiveConfig(ModelConfig):
    series_embedding_use: ClassVar[Optional[str]] = None  # a baseline: nothing learned
    season: Optional[int] = MISSING  # null: the data's seasonal period

    def __post_init__(self) -> None:
        require(self.season is None or self.season >= 1, "model.season", f"must be null or >= 1, got {self.season}")


@MODELS.register("seasonal_naive", SeasonalNaiveConfig)
def build(cfg: SeasonalNaiveConfig, spec):
    import keras

    from forecast_cli.models.layers import SeasonalNaive

    season = int(cfg.season or 1)
    if spec.steps_ahead != 1:
        raise ForecastError("model=seasonal_naive forecasts one value per label step: set window.steps_ahead=1")
    if season > spec.input_width:
        raise ForecastError(
            f"model=seasonal_naive needs a season of input rows: window.input_width ({spec.input_width}) < season "
            f"({season}); lengthen the window (data.lookback, window.input_width) or set model.season"
        )
    inputs = model_input(spec)
    layer = SeasonalNaive(
        label_positions(spec, "model=seasonal_naive"), spec.label_width, spec.input_width, spec.label_start, season,
        name="forecast",
    )
    return keras.Model(inputs, layer(inputs), name="seasonal_naive")
