"""Restoring a saved run for a command that reads one (evaluate, predict, backtest, export):
its resolved config, its data config with the command's `data.*` overrides validated against the
loader's schema, its saved scaler and, on demand, its model (safe_mode: no code from the file runs)."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Sequence

from omegaconf import OmegaConf

from forecast_cli.config.store import default_option, fill_missing
from forecast_cli.data.scaling import Scaler
from forecast_cli.data.window import WindowConfig
from forecast_cli.errors import ForecastError, first_line
from forecast_cli.run.layout import COMPLETED, RunDir
from forecast_cli.run.untrusted import error_name


@dataclass
class RestoredRun:
    run: RunDir
    config: Any  # the run's own config.yaml
    data: Any  # its data config, with the command's overrides
    scaler: Scaler  # global, or per series (a panel scaled per series)

    def load_series(self, total_window: int):
        """The run's data as its loader reads it (SeriesData), from files already on disk."""
        from forecast_cli.data.loaders import load_series
        from forecast_cli.data.loaders._download import downloads_refused

        with downloads_refused():
            return load_series(self.data, total_window)

    def prepare(self, splits: Sequence[str]):
        """The run's data, split and scaled with its own scaler: a PreparedData with `splits`. Nothing is
        downloaded: the run's config would choose the address and where the file is written."""
        from forecast_cli.data.loaders._download import downloads_refused
        from forecast_cli.data.prepare import prepare_data
        from forecast_cli.data.series_index import uses_series_embedding

        with downloads_refused():
            prepared = prepare_data(
                self.data,
                self.config.window,
                scaler=self.scaler,
                wanted=splits,
                series_index=uses_series_embedding(self.config),
            )
        if "test" in splits and not prepared.has_test:
            raise ForecastError(
                f"run {self.run.root} has no test split: it trained on every row (a test share of 0); use split=val"
            )
        return prepared

    def forecast_window(self, series):
        """The run's window resolved on `series` (the data a forecast continues): the data's horizon and
        lookback, and the series index column when the model has a series embedding."""
        from forecast_cli.data.prepare import data_spec
        from forecast_cli.data.series_index import uses_series_embedding

        return data_spec(self.config.window, self.data, series, uses_series_embedding(self.config))

    def load_model(self):
        from forecast_cli.run.model_files import load_model
        from forecast_cli.runtime.tf import import_tensorflow

        import_tensorflow()
        return load_model(self.run.model_keras)


def restore_run(run: RunDir, data_overrides: Dict[str, Any], allow_incomplete: bool = False) -> RestoredRun:
    from forecast_cli.run.model_files import check_model_file

    run.check_files()
    check_completed(run, allow_incomplete)
    check_model_file(run.model_keras)
    saved, data = run_data_config(run, data_overrides)
    return RestoredRun(run=run, config=saved, data=data, scaler=load_scaler(run, bool(getattr(data, "per_series", False))))


def load_scaler(run: RunDir, per_series: bool) -> Scaler:
    """The run's one scaler, from the file its config names: series_scaler.json where the run scaled each series
    (data.per_series; an older run's identity scaler.json beside it is not used), else scaler.json."""
    path = run.scaler_file(per_series)
    kind = "per-series scaler" if per_series else "scaler"
    if not path.is_file():
        raise ForecastError(f"{kind} missing: {path} (the run did not finish; train it again)")
    try:
        scaler = Scaler.load(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ForecastError(f"cannot read {path} ({type(exc).__name__}: {exc}): it is not a saved {kind}") from exc
    if scaler.per_series != per_series:
        held = "ids" if scaler.per_series else "no ids"
        raise ForecastError(f"cannot read {path} (it holds {held}): it is not a saved {kind}; train the run again")
    return scaler


def check_completed(run: RunDir, allow_incomplete: bool) -> None:
    status = run.status()
    if status != COMPLETED and not allow_incomplete:
        raise ForecastError(
            f"run {run.root} is '{status}', not completed: train it again, or pass allow_incomplete=true"
        )


def run_data_config(run: RunDir, overrides: Dict[str, Any]):
    """The run's config and its data config with `data.*` overrides, validated against the loader's schema."""
    from forecast_cli.data.loaders import DATA

    if not run.config_yaml.is_file():
        raise ForecastError(f"config missing: {run.config_yaml} (not a complete run directory; train it again)")
    try:
        saved = run.saved_config()
        name = saved.data.name
    except ForecastError:
        raise
    except Exception as exc:
        raise ForecastError(f"cannot read {run.config_yaml} ({error_name(exc)}): it is not a run's config") from exc
    saved.window = _declared_only(run, WindowConfig, saved.get("window"), "window", default_option("window"))
    typed_data = _declared_only(run, DATA.get(name).schema, saved.data, "data", name)
    try:
        merged = OmegaConf.merge(typed_data, OmegaConf.create(dict(overrides)))
        OmegaConf.to_object(merged)
    except ForecastError:
        raise
    except Exception as exc:
        raise ForecastError(f"bad data override {dict(overrides)}: {str(exc).splitlines()[0]}") from exc
    if "path" not in overrides and merged.get("path") and not Path(merged.path).is_absolute():
        merged.path = _trained_on(run, merged.path)
    return saved, merged


def _declared_only(run: RunDir, schema: type, node, group: str, option: str):
    """A group of a saved config read through its schema: only declared keys, typed and range-checked. A key
    the run's version did not have yet is `???` in the schema: it takes the value of the package's YAML of
    the group's option (conf/<group>/<option>.yaml), as that version did with the schema's former default."""
    try:
        typed = OmegaConf.merge(OmegaConf.structured(schema), node)
        fill_missing(typed, group, option)
        OmegaConf.to_object(typed)
    except ForecastError as exc:
        raise ForecastError(f"{run.config_yaml}: {exc} (the file was edited or damaged; train the run again)") from exc
    except Exception as exc:
        raise ForecastError(
            f"{run.config_yaml}: its {group} section does not fit the schema ({first_line(exc)}); "
            "the file was edited or damaged: train the run again"
        ) from exc
    return typed


def _trained_on(run: RunDir, path: str) -> str:
    """A run trained before 0.2 may record a path relative to where it was trained: the absolute path
    its run.json recorded as the data's source, when that file is still there."""
    source = run.record().get("data", {}).get("source")
    return source if source and Path(source).is_file() else path
