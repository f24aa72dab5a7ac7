"""`forecast export run=DIR name=N`: a saved run's model as one version of a TF Serving model.

Writes `dir/name/<version>/` (run/layout.py ExportDir): the raw-unit SavedModel of run/serving.py,
built from the run's `model.keras` and `scaler.json` (so runs saved before `saved_model/` took raw
values export too), with an example REST request (the run's last input window) and the answer this
version gives to it. The version is built beside its final place and renamed into it once complete,
and an existing version is never replaced.
"""

import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import hydra
from omegaconf import MISSING, OmegaConf

from forecast_cli.commands.base import HydraCommand, exit_on_user_error
from forecast_cli.commands.rewrite import saved_run_data_overrides
from forecast_cli.errors import ForecastError, require
from forecast_cli.run.atomic import write_json_atomic
from forecast_cli.run.layout import ExportDir, RunDir, find_runs
from forecast_cli.run.restore import check_completed

log = logging.getLogger("forecast.export")
CONFIG_NAME = "export"
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
NAME_MAX = 255  # bytes of one directory name (ext4, xfs, APFS)
MAX_VERSION = 2**63 - 1  # TF Serving reads a version directory's name as an int64
STATEFUL_REFUSED = (
    "TF Serving answers every request on its own, but this model takes exactly its streams per call and "
    "carries their state from one call to the next; export a run trained with model.stateful=false"
)


@dataclass
class ExportConfig:
    run: str = MISSING  # one run directory
    dir: str = MISSING  # TF Serving's base directory
    name: str = MISSING  # the model's name: dir/name/<version>/, served at /v1/models/<name>
    version: Optional[int] = field(default=None, metadata={"max": None})  # None: the next free version (1 when none); its range: __post_init__
    data: Dict[str, Any] = field(default_factory=dict)  # overrides of the run's data config
    allow_incomplete: bool = MISSING

    def __post_init__(self) -> None:
        require(
            MODEL_NAME.fullmatch(self.name) is not None,
            "name",
            f"must be one directory name of letters, digits, '.', '_' and '-' starting with a letter or digit, "
            f"got '{self.name}'",
        )
        require(
            len(self.name) <= NAME_MAX, "name", f"must be at most {NAME_MAX} characters (a directory name), got {len(self.name)}"
        )
        require(
            self.version is None or 1 <= self.version <= MAX_VERSION,
            "version",
            f"must be between 1 and {MAX_VERSION} (TF Serving reads it as a 64-bit integer), got {self.version}",
        )


@dataclass
class Target:
    run: RunDir
    exports: ExportDir
    version: int


def export_target(cfg) -> Target:
    """The run to export and the version to write, both checked (no TensorFlow needed)."""
    runs = find_runs([Path(cfg.run)])
    run = RunDir(cfg.run)
    if not run.is_run():
        raise ForecastError(f"{cfg.run} is a sweep directory: export one of its runs, e.g. run={runs[0].root}")
    check_completed(run, cfg.allow_incomplete)
    exports = ExportDir(cfg.dir, cfg.name)
    for directory, key in ((exports.root, "dir"), (exports.model_dir, "name")):
        if directory.exists() and not directory.is_dir():
            raise ForecastError(f"{directory} is a file, not a directory: give another {key}=")
    version = cfg.version or exports.next_version()
    if version > MAX_VERSION:
        raise ForecastError(
            f"{exports.model_dir} already holds version {version - 1}, the largest TF Serving reads ({MAX_VERSION}): "
            "give another name= or dir="
        )
    if version in exports.versions():
        raise ForecastError(
            f"{exports.version_dir(version)} already exists and is never overwritten: give another version= "
            f"or leave version out (the next free one is {exports.next_version()})"
        )
    return Target(run, exports, version)


def last_input_window(prepared):
    """[input_width, n_features]: the last input_width rows of the run's data (of its last series long
    enough), input columns, real units."""
    from forecast_cli.data.series_index import data_input_indices

    segment = prepared.series.segments[last_window_series(prepared)]
    return segment[-prepared.spec.input_width :, data_input_indices(prepared.spec)]


def last_window_series(prepared) -> int:
    """The position of the last series with at least one input window of rows."""
    width = prepared.spec.input_width
    return next(i for i in reversed(range(len(prepared.series.segments))) if len(prepared.series.segments[i]) >= width)


def export_run(target: Target, cfg) -> Tuple[Path, List[Optional[int]], List[Optional[int]]]:
    """Write the version; return its directory and the signature's input and output shapes."""
    import numpy as np

    from forecast_cli.forecaster.finite import require_finite_forecast
    from forecast_cli.models._stateful import refuse_stateful
    from forecast_cli.run.restore import restore_run
    from forecast_cli.run.serving import (
        INPUT_NAME,
        OUTPUT_NAME,
        SERIES_INPUT_NAME,
        SIGNATURE,
        output_columns,
        serving_archive,
    )

    restored = restore_run(target.run, cfg.data, cfg.allow_incomplete)
    prepared = restored.prepare(["all"])
    window = last_input_window(prepared)
    model = restored.load_model()
    refuse_stateful(model, STATEFUL_REFUSED)
    import tensorflow as tf

    exports, final = target.exports, target.exports.version_dir(target.version)
    try:
        staging = exports.staging_dir(target.version)
    except OSError as exc:
        raise ForecastError(
            f"cannot create the version under {exports.model_dir} ({exc.strerror}): give a dir= you can write"
        ) from exc
    try:
        archive = serving_archive(model, restored.scaler, prepared.spec)
        if not restored.scaler.per_series:
            inputs = {INPUT_NAME: window[None].astype(np.float32)}
            instances = window[None].tolist()
        else:  # each window names its series: its row in series_scaler.json
            series = int(prepared.series_groups()[last_window_series(prepared)])
            inputs = {INPUT_NAME: window[None].astype(np.float32), SERIES_INPUT_NAME: np.array([series], dtype=np.int32)}
            instances = [{INPUT_NAME: window.tolist(), SERIES_INPUT_NAME: series}]
        archive.write_out(str(staging), verbose=False)
        loaded = tf.saved_model.load(str(staging))  # kept referenced while its signature runs: a collected loaded object frees its variables
        signature = loaded.signatures[SIGNATURE]
        answer = signature(**{k: tf.constant(v) for k, v in inputs.items()})[OUTPUT_NAME].numpy()
        require_finite_forecast(answer, output_columns(prepared.spec), "the exported model's answer to its example")
        request = {"signature_name": SIGNATURE, "instances": instances}
        write_json_atomic(exports.example_request_json(staging), request)
        response = {"predictions": answer.astype(np.float64).tolist()}
        write_json_atomic(exports.expected_response_json(staging), response)
        publish(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    input_shape = signature.structured_input_signature[1][INPUT_NAME].shape.as_list()
    output_shape = signature.structured_outputs[OUTPUT_NAME].shape.as_list()
    log.info("exported %s as %s: inputs %s -> forecast %s", target.run.root, final, input_shape, output_shape)
    return final, input_shape, output_shape


def publish(staging: Path, final: Path) -> None:
    """One rename: TF Serving sees either no version or a complete one. It fails if `final` appeared
    (with files) since the check: another export took that version."""
    try:
        os.rename(staging, final)
    except OSError as exc:
        raise ForecastError(f"{final} was written by someone else during this export: export again") from exc


def shape_text(dims: List[Optional[int]]) -> str:
    """As saved_model_cli shows it: (-1, 24, 3)."""
    return "(" + ", ".join("-1" if d is None else str(d) for d in dims) + ")"


def summary(target: Target, final: Path, input_shape, output_shape) -> str:
    name, model_dir = target.exports.name, target.exports.model_dir.resolve()
    request, response = target.exports.example_request_json(final), target.exports.expected_response_json(final)
    series = ", series int32 (-1) (rows of the run's series_scaler.json)" if (target.run.series_scaler_json).is_file() else ""
    signature = f"inputs float32 {shape_text(input_shape)}{series} -> forecast float32 {shape_text(output_shape)}"
    return "\n".join(
        [
            f"exported {target.run.root} as {final} (TF Serving model '{name}', version {target.version})",
            f"  signature serving_default: {signature}, real units",
            f"  example: {request} (its answer: {response})",
            f'  serve:   docker run -p 8501:8501 -v "{model_dir}:/models/{name}" -e MODEL_NAME={name} '
            "tensorflow/serving",
            f"  query:   curl -d @{request} http://localhost:8501/v1/models/{name}:predict",
        ]
    )


def export_job(cfg) -> None:
    target = export_target(cfg)
    final, input_shape, output_shape = export_run(target, cfg)
    print(summary(target, final, input_shape, output_shape))


@hydra.main(version_base="1.3", config_path="pkg://forecast_cli.conf", config_name=CONFIG_NAME)
def main(cfg) -> None:
    exit_on_user_error(export_job, cfg)


class ExportCommand(HydraCommand):
    config_name = CONFIG_NAME
    hint = "see `forecast export --help`"

    def rewrite_args(self, args: List[str]) -> List[str]:
        return saved_run_data_overrides(args)  # data.path=FILE: the run's data is elsewhere on this machine

    def validate(self, cfg) -> None:
        """The options' ranges, the run, and the version (a mistake leaves `dir` untouched)."""
        OmegaConf.to_object(cfg)
        export_target(cfg)


COMMAND = ExportCommand(ExportConfig, main)


if __name__ == "__main__":
    main()
