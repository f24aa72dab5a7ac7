"""A paper's figures for an experiment (`published:` in conf/experiment/*.yaml), saved with every run
composed from it, and read back by `forecast compare` as a column next to ours.

Figures are keyed by metric (`test/mse`) and by horizon (the run's window.label_width), so one
experiment file serves a whole table (`window.horizon=96,192,336,720`). They hold for one input length
(`input_width`): a run of the experiment at another input (`window.input_width=36`) has no published figure."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Optional

from forecast_cli.errors import require

if TYPE_CHECKING:
    from forecast_cli.run.layout import RunDir


@dataclass
class PublishedConfig:
    source: str = "???"  # the paper and table the figures come from
    input_width: Optional[int] = None  # the input they were measured at; null: any
    # metric -> {horizon: figure}, e.g. {"test/mse": {96: 0.386, 192: 0.437}}
    figures: Dict[str, Dict[int, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for metric, by_horizon in self.figures.items():
            require(
                all(int(h) >= 1 and float(v) >= 0 for h, v in by_horizon.items()),
                f"published.figures.{metric}",
                f"must map horizons >= 1 to figures >= 0, got {dict(by_horizon)}",
            )


def figure_for(config: dict, metric: str) -> Optional[float]:
    """The paper's `metric` for a run's config (a plain dict): the figure of its horizon, None where the
    experiment published none for that horizon or measured it at another input length."""
    published = config.get("published") or {}
    window = config["window"]
    measured_at = published.get("input_width")
    if measured_at is not None and int(window["input_width"]) != int(measured_at):
        return None
    figures = (published.get("figures") or {}).get(metric) or {}
    horizon = int(window["label_width"])
    value = figures.get(horizon, figures.get(str(horizon)))
    return None if value is None else float(value)


def published_figure(run: "RunDir", metric: str) -> Optional[float]:
    """`figure_for` the run's saved config (read as YAML, no code); None when its config cannot be read."""
    try:
        return figure_for(run.saved_config_plain(), metric)
    except Exception:
        return None
