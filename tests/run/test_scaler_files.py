"""A run's one scaler is read from the file its config names: scaler.json for one scaling of every series,
series_scaler.json where each series has its own (data.per_series); a file of the other kind is not used."""

import numpy as np
import pytest

from forecast_cli.data.scaling import fit_scaler, fit_series_scaler
from forecast_cli.errors import ForecastError
from forecast_cli.run.layout import RunDir
from forecast_cli.run.restore import load_scaler


def test_the_file_the_config_names_is_read_and_a_planted_one_of_the_other_kind_is_not(tmp_path):
    run = RunDir(tmp_path)
    rows = np.arange(12.0).reshape(6, 2)
    fit_scaler("standard", rows, ["a", "b"], [0.0, 1.0]).save(run.scaler_json)
    fit_series_scaler("minmax", [rows[:3], rows[3:]], ["p", "q"], ["a", "b"], [0.0, 1.0]).save(run.series_scaler_json)
    whole = load_scaler(run, per_series=False)
    assert not whole.per_series and whole.kind == "standard"  # series_scaler.json beside it is not used
    np.testing.assert_allclose(whole.offset, rows.mean(axis=0))
    each = load_scaler(run, per_series=True)
    assert each.per_series and each.ids == ["p", "q"] and each.kind == "minmax"

    run.series_scaler_json.unlink()
    with pytest.raises(ForecastError, match=r"per-series scaler missing: .*series_scaler.json \(the run did not finish"):
        load_scaler(run, per_series=True)
    run.scaler_json.rename(run.series_scaler_json)  # a global scaler under the per-series name
    with pytest.raises(ForecastError, match=r"series_scaler.json \(it holds no ids\): it is not a saved per-series scaler"):
        load_scaler(run, per_series=True)
