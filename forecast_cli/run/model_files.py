"""Saving a trained model (`model.keras` + a raw-unit SavedModel) and loading it back safely."""

import os
import shutil
import zipfile
from pathlib import Path

from forecast_cli.errors import ForecastError, first_line
from forecast_cli.run.layout import RunDir
from forecast_cli.run.untrusted import check_archive


def save_model(model, run: RunDir, spec, scaler) -> None:
    """`model.keras` (full model, reloadable, scaled values) and `saved_model/` (serving, real units:
    the scaler, global or per series, is in the graph; see `run/serving.py`)."""
    from forecast_cli.run.serving import serving_archive

    # written beside their final names and renamed into place: a full disk or a kill mid-save never
    # leaves a truncated model.keras or a partial saved_model/ under the final names
    staged_keras = run.root / f".{run.model_keras.stem}.staging.keras"
    staged_export = run.root / f".{run.saved_model_dir.name}.staging"
    try:
        model.save(staged_keras)
        shutil.rmtree(staged_export, ignore_errors=True)
        archive = serving_archive(model, scaler, spec)
        archive.write_out(str(staged_export), verbose=False)
        os.replace(staged_keras, run.model_keras)
        shutil.rmtree(run.saved_model_dir, ignore_errors=True)
        os.replace(staged_export, run.saved_model_dir)
    finally:
        staged_keras.unlink(missing_ok=True)
        shutil.rmtree(staged_export, ignore_errors=True)


def check_model_file(path: Path) -> None:
    """Refuse a missing, corrupt or zip-bomb `.keras` file from its zip directory alone: a reader calls this
    before it imports TensorFlow, so the refusal costs a second, not the import."""
    if not path.is_file():
        raise ForecastError(f"model file missing: {path} (the run did not finish saving; train it again)")
    if not zipfile.is_zipfile(path):
        raise ForecastError(f"model file is corrupt: {path} is not a Keras archive (a .keras zip file); train the run again")
    check_archive(path, "Keras model", "train the run again")


def load_model(path: Path):
    """Load a `.keras` file with safe_mode=True: no Python code from the file is ever executed."""
    import keras

    import forecast_cli.trainer.losses  # noqa: F401  (registers the custom losses)
    import forecast_cli.models.layers  # noqa: F401  (registers the custom layers)

    path = Path(path)
    check_model_file(path)
    try:
        return keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:
        raise ForecastError(f"cannot load model {path}: {first_line(exc)} (the file is corrupt or not a Keras model)") from exc
