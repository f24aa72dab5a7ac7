"""A search space in Hydra's sweep syntax, as Optuna distributions:

    choice(a, b, ...) / a,b,...     categorical
    range(start, stop[, step])      integers start, start + step, ... < stop (as Hydra's basic sweeper)
    interval(low, high)             uniform floats (integers when the key holds an integer)
    tag(log, interval(low, high))   log-uniform

Every mistake is a ForecastError, found before any trial runs.
"""

from dataclasses import dataclass
from typing import Any, Dict, List

from forecast_cli.errors import ForecastError


@dataclass
class SearchSpace:
    distributions: Dict[str, Any]  # override key (with its +/++ prefix) -> optuna distribution
    fixed: List[str]  # overrides every trial gets as they are

    def trial_overrides(self, params: Dict[str, Any]) -> List[str]:
        return [*self.fixed, *(f"{key}={override_value(value)}" for key, value in params.items())]

    def grid(self) -> Dict[str, List[Any]]:
        """Every value of every parameter, for the grid sampler: discrete distributions only."""
        from optuna.distributions import CategoricalDistribution, IntDistribution

        grid = {}
        for key, dist in self.distributions.items():
            if isinstance(dist, CategoricalDistribution):
                grid[key] = list(dist.choices)
            elif isinstance(dist, IntDistribution) and not dist.log:
                grid[key] = list(range(dist.low, dist.high + 1, dist.step))
            else:
                raise ForecastError(
                    f"hydra.sweeper.sampler=grid needs discrete values, but {key} is an interval: "
                    "give it with choice(...) or range(...), or use sampler=tpe or random"
                )
        return grid


def override_value(value: Any) -> str:
    """A parameter value as Hydra's override grammar reads it back (strings escaped)."""
    from hydra.core.override_parser.types import Override

    return Override._get_value_element_as_str(value)


def parse_search_space(params: Dict[str, Any], arguments: List[str]) -> SearchSpace:
    """`hydra.sweeper.params` (key -> sweep expression or fixed value), then the command line's
    overrides, later ones winning: each sweep is a distribution, everything else is fixed."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    lines = [f"{key}={value}" for key, value in params.items()] + list(arguments)
    try:
        parsed = OverridesParser.create().parse_overrides(lines)
    except HydraException as exc:
        raise ForecastError(f"hydra/sweeper=optuna: {' '.join(str(exc).split())}") from exc
    distributions: Dict[str, Any] = {}
    fixed: Dict[str, str] = {}
    for override in parsed:
        key = override.get_key_element()
        distributions.pop(key, None)
        fixed.pop(key, None)
        if override.is_sweep_override():
            distributions[key] = _distribution(override)
        else:
            fixed[key] = override.input_line
    if not distributions:
        raise ForecastError(
            "hydra/sweeper=optuna has no search space: give one, e.g. 'model.units=choice(16,32,64)' or "
            "'optimizer.learning_rate=tag(log,interval(1e-4,1e-2))', or an overlay hparams_search=<name>"
        )
    return SearchSpace(distributions, list(fixed.values()))


def _distribution(override) -> Any:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    key, value = override.get_key_element(), override.value()
    kind = type(value).__name__
    if kind == "Glob":
        raise ForecastError(f"{key}: glob() is not a search space for hydra/sweeper=optuna: list the options with choice(...)")
    if override.is_interval_sweep():
        low, high = float(value.start), float(value.end)
        log = "log" in value.tags
        if not low < high:
            raise ForecastError(f"{key}: interval({value.start}, {value.end}) needs low < high")
        if log and low <= 0:
            raise ForecastError(f"{key}: tag(log, interval({value.start}, {value.end})) needs low > 0 (a logarithm)")
        return FloatDistribution(low, high, log=log)
    from hydra.core.override_parser.types import Transformer

    values = list(override.sweep_iterator(transformer=Transformer.encode))
    if not values:
        raise ForecastError(f"{key}: {override.input_line.split('=', 1)[1]} has no value to try")
    if override.is_range_sweep() and not value.shuffle and all(isinstance(v, int) for v in values):
        step = values[1] - values[0] if len(values) > 1 else 1
        return IntDistribution(values[0], values[-1], step=abs(step)) if step > 0 else CategoricalDistribution(values)
    unsupported = [v for v in values if not isinstance(v, (str, int, float, bool))]
    if unsupported:
        raise ForecastError(f"{key}: choice values must be numbers, strings or booleans, got {unsupported[0]!r}")
    return CategoricalDistribution(values)


def as_integer_where_the_key_is(space: SearchSpace, config) -> None:
    """An interval on a key whose config value is an integer (`model.units=interval(8,64)`) draws integers."""
    from omegaconf import OmegaConf
    from optuna.distributions import FloatDistribution, IntDistribution

    for key, dist in list(space.distributions.items()):
        current = OmegaConf.select(config, key.lstrip("+~"), default=None)
        if isinstance(dist, FloatDistribution) and isinstance(current, int) and not isinstance(current, bool):
            low, high = int(round(dist.low)), int(round(dist.high))
            if low >= high:
                raise ForecastError(f"{key} holds an integer: interval({dist.low}, {dist.high}) holds no two integers")
            space.distributions[key] = IntDistribution(low, high, log=dist.log)


def sample_points(space: SearchSpace) -> List[Dict[str, Any]]:
    """Parameter sets that together use every choice and both ends of every interval: composing them
    all shows an unknown key or an impossible value before any trial runs."""
    from optuna.distributions import CategoricalDistribution

    first = {key: _ends(dist)[0] for key, dist in space.distributions.items()}
    points = [first]
    for key, dist in space.distributions.items():
        values = dist.choices if isinstance(dist, CategoricalDistribution) else _ends(dist)
        points.extend({**first, key: v} for v in values[1:])
    return points


def _ends(dist) -> List[Any]:
    from optuna.distributions import CategoricalDistribution

    if isinstance(dist, CategoricalDistribution):
        return list(dist.choices)
    return [dist.low, dist.high]
