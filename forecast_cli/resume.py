"""`forecast train resume=DIR`: continue an interrupted, failed or killed run in its own directory.

The run is recomposed from its own overrides (`.hydra/overrides.yaml`) and must give back its saved
`config.yaml`, so it continues exactly the experiment it started. Only ALLOWED_OVERRIDES may be
given next to `resume=`. Nothing here imports TensorFlow.
"""

import os
import platform
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

from forecast_cli.errors import ForecastError
from forecast_cli.run_layout import COMPLETED, RUNNING, RunDir

ALLOWED_OVERRIDES = ("trainer.epochs", "trainer.verbose")
_PLAIN_VALUE = re.compile(r"^[\w/.\-]+$")


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def _quoted(value: str) -> str:
    return value if _PLAIN_VALUE.match(value) else "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def resume_args(args: List[str]) -> List[str]:
    """Replace `resume=DIR` by the run's own overrides and point Hydra's run directory at DIR."""
    from omegaconf import OmegaConf

    resumes = [a for a in args if _key(a) == "resume"]
    if not resumes:
        return args
    if len(resumes) > 1 or any(a in ("-m", "--multirun") for a in args):
        raise ForecastError("resume= continues one run: give a single resume=<run dir>, without -m")
    run = RunDir(Path(resumes[0].split("=", 1)[1]).expanduser().resolve())
    if not run.is_run():
        raise ForecastError(f"cannot resume {run.root}: not a run directory (no run.json); give resume=<a run directory>")
    others = [a for a in args if a not in resumes]
    for arg in others:
        if not arg.startswith("-") and not _key(arg).startswith("hydra.") and _key(arg) not in ALLOWED_OVERRIDES:
            raise ForecastError(
                f"resume= continues the run with its own config: '{_key(arg)}' cannot be changed "
                f"(only {', '.join(ALLOWED_OVERRIDES)} can); start a new run instead"
            )
    given = {_key(a) for a in others}
    saved_path = run.hydra_dir / "overrides.yaml"
    saved = [str(o) for o in OmegaConf.load(saved_path)] if saved_path.is_file() else []
    saved = [o for o in saved if _key(o) != "resume" and _key(o) not in given]
    directory = _quoted(str(run.root))
    return [*saved, *others, f"resume={directory}", f"hydra.run.dir={directory}"]


def check_resumable(cfg):
    """Refuse what cannot be resumed; return the run's checkpoint (None: restart from epoch 0)."""
    from forecast_cli.checkpoint import load_checkpoint

    run = RunDir(cfg.resume)
    status = run.status()
    if status == COMPLETED:
        raise ForecastError(f"run {run.root} is already completed: nothing to resume (start a new run)")
    record = run.record()
    if status == RUNNING and _still_running(record):
        raise ForecastError(
            f"run {run.root} is still running (pid {record.get('pid')}): stop it first (Ctrl-C or kill PID)"
        )
    _check_same_config(run, cfg)
    if not run.checkpoint_npz.is_file():
        return None
    try:
        checkpoint = load_checkpoint(run.checkpoint_npz)
    except Exception as exc:
        raise ForecastError(f"cannot read the checkpoint {run.checkpoint_npz} ({type(exc).__name__}): start a new run") from exc
    if checkpoint.epochs_completed > int(cfg.trainer.epochs):
        raise ForecastError(
            f"run {run.root} already completed {checkpoint.epochs_completed} epochs: "
            f"trainer.epochs={cfg.trainer.epochs} cannot be lower"
        )
    return checkpoint


def _still_running(record: Dict[str, Any]) -> bool:
    pid = record.get("pid")
    if not pid or (record.get("host") or {}).get("hostname") != platform.node() or pid == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_same_config(run: RunDir, cfg) -> None:
    from omegaconf import OmegaConf

    if not run.config_yaml.is_file():
        raise ForecastError(f"cannot resume {run.root}: its config.yaml is missing")
    saved = _flatten(OmegaConf.to_container(OmegaConf.load(run.config_yaml)))
    now = _flatten(OmegaConf.to_container(cfg, resolve=True))
    ignored = {"resume", *ALLOWED_OVERRIDES}
    differing = sorted(k for k in set(saved) | set(now) if k not in ignored and saved.get(k) != now.get(k))
    if differing:
        key = differing[0]
        raise ForecastError(
            f"cannot resume {run.root}: its saved config.yaml says {key}={saved.get(key)!r} but recomposing "
            f"its overrides gives {now.get(key)!r} (the configs changed since): start a new run"
        )


def _flatten(node: Any, prefix: str = "") -> Dict[str, Optional[Any]]:
    if isinstance(node, dict):
        flat: Dict[str, Any] = {}
        for key, value in node.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat
    return {prefix[:-1]: node}
