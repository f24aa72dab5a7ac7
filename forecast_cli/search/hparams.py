"""TensorBoard's HParams tab: when a job ends, its parameters (the overrides it was composed from) and
its final validation and test metrics are written with the hparams plugin into the run's
tensorboard/ directory, so `tensorboard --logdir <sweep dir>` lists every job of a sweep (grid or
Optuna) with its parameters and metrics; `--logdir outputs/train` lists every run."""

import math
from typing import Any, Dict

from hydra.experimental.callback import Callback
from omegaconf import OmegaConf

from forecast_cli.evaluation.names import parse_metric
from forecast_cli.run.layout import RunDir

SCALAR_TYPES = (bool, int, float, str)


class HParamsCallback(Callback):
    """Hydra callback (conf/train.yaml), run in the job's own process after the job."""

    def on_job_end(self, config, job_return, **kwargs) -> None:
        run = RunDir(config.hydra.runtime.output_dir)
        if run.tensorboard_dir.is_dir():  # the Keras TensorBoard callback ran: the job trained
            write_hparams(run, job_hparams(config), final_metrics(run))


def job_hparams(config) -> Dict[str, Any]:
    """Each override of the job as key -> value: the option of a config group (`model=lstm`), else
    the value the key has in the composed config (`optimizer.learning_rate=1e-3` -> 0.001)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    choices = config.hydra.runtime.choices
    hparams: Dict[str, Any] = {}
    for override in OverridesParser.create().parse_overrides(list(config.hydra.overrides.task)):
        key = override.key_or_group
        if override.is_delete() or key == "resume":
            continue
        if key in choices:
            value = choices[key]
        else:
            value = OmegaConf.select(config, key, default=None)
            if OmegaConf.is_config(value):
                value = OmegaConf.to_yaml(value, resolve=True).strip()
        hparams[key] = value if isinstance(value, SCALAR_TYPES) else str(value)
    return hparams


def final_metrics(run: RunDir) -> Dict[str, float]:
    """The overall val/ and test/ metrics of metrics.json (not the per-column ones)."""
    if not run.metrics_json.is_file():
        return {}
    return {
        name: float(value)
        for name, value in run.metrics().items()
        if name.split("/", 1)[0] in ("val", "test")
        and parse_metric(name.split("/", 1)[1])[1] is None
        and isinstance(value, (int, float))
        and math.isfinite(value)
    }


def write_hparams(run: RunDir, hparams: Dict[str, Any], metrics: Dict[str, float]) -> None:
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    writer = tf.summary.create_file_writer(str(run.tensorboard_dir))
    with writer.as_default():
        hp.hparams(hparams, trial_id=run.root.name)
        for name, value in metrics.items():
            tf.summary.scalar(name, value, step=0)
    writer.close()
