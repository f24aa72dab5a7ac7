"""Whether a run can be resumed (`forecast train resume=DIR`), and its checkpoint.

The command line of a resume is rewritten in `commands/rewrite.py`: the run is recomposed from its
own overrides (`.hydra/overrides.yaml`) and must give back its saved `config.yaml`, so it continues
exactly the experiment it started. Only ALLOWED_OVERRIDES and CONNECTION_TARGETS may be given next to
`resume=`. The checks read the checkpoint's small state record only; the job loads its arrays once. No
TensorFlow here.
"""

import os
import platform
import re
from typing import Any, Dict, List, Optional

from forecast_cli.errors import ForecastError
from forecast_cli.run.layout import COMPLETED, RUNNING, RunDir
from forecast_cli.run.lock import lock_holder

ALLOWED_OVERRIDES = ("trainer.epochs", "trainer.verbose")
# Keys that choose where a process connects or what it creates outside the run (a tracking server, a
# database, a TPU or worker address). A resume takes them from its own command line only: the run's
# saved ones are never composed nor compared, so a resumed run logs only where `logger=...` typed next
# to `resume=` says, and a run directory (data) cannot make its reader contact a host.
CONNECTION_TARGETS = ("logger", "strategy.tpu", "strategy.workers")
# Resolvers a saved override may call: the package's own pure ones. Any other (oc.env, oc.decode, now,
# a plugin's) would run in the reader's process on a value the run's writer chose.
_RESOLVER_CALL = re.compile(r"\$\{\s*([^\s:{}]+)\s*:")
PURE_RESOLVERS = ("forecast_horizon", "forecast_ett_rows", "forecast_by_horizon")
_KEY = re.compile(r"^[+~]{0,2}([A-Za-z_][\w.]*|[A-Za-z_][\w/]*)(@[\w.]+)?(=|$)")


def saved_overrides(run: RunDir) -> List[str]:
    """The overrides a run was composed from (.hydra/overrides.yaml), as a resume may take them: config
    keys and groups only. Hydra never saves its own settings there, so an entry naming `hydra`, a
    command-line flag or a group option outside the package is a planted one: refused. Whatever is
    left is composed and checked like a typed command line (declared keys, allowed `_target_`s)."""
    entries = run.overrides()
    for entry in entries:
        match = _KEY.match(entry)
        key = match.group(1) if match else ""
        value = entry.split("=", 1)[1] if "=" in entry else ""
        names_hydra = key.split("/")[0].split(".")[0] == "hydra"
        outside_package = key.split("/")[0] in _config_groups() and (".." in value or value.startswith("/"))
        foreign = [name for name in _RESOLVER_CALL.findall(value) if name not in PURE_RESOLVERS]
        if foreign:
            raise ForecastError(
                f"{run.overrides_yaml} holds {entry!r}, whose ${{{foreign[0]}:...}} a resume would resolve in your "
                "environment (a run directory is data, and forecast saves values resolved): start a new run"
            )
        if not match or names_hydra or outside_package:
            raise ForecastError(
                f"{run.overrides_yaml} holds {entry!r}, which a saved run may not contain (Hydra settings, "
                "flags and config files outside the package are refused: a run directory is data, never code); "
                "start a new run"
            )
    return entries


def names_connection_target(key: str) -> bool:
    """`logger`, `logger.tracking_uri`, `logger@x`, `strategy.tpu`, ... (a key without its +/~ prefix)."""
    key = key.split("@", 1)[0].replace("/", ".")
    return any(key == target or key.startswith(f"{target}.") for target in CONNECTION_TARGETS)


def former_default_pins(run: RunDir) -> List[str]:
    """Overrides that keep a run trained under an earlier default stop rule on that rule when it resumes:
    no `reduce_lr` callback (added to the defaults in 0.3.0) and its early stopping's patience and
    min_delta_ratio. Values are read from its config.yaml as YAML and passed as numbers, then composed
    and checked like any override; anything else in that file is not used."""
    try:
        callbacks = run.saved_config_plain().get("trainer", {}).get("callbacks")
    except Exception:
        return []  # the comparison after composing names what is wrong with the file
    if not isinstance(callbacks, dict):
        return []
    pins = [] if "reduce_lr" in callbacks else ["trainer.callbacks.reduce_lr=null"]
    stop = callbacks.get("early_stopping")
    if isinstance(stop, dict):
        for key, kind in (("patience", int), ("min_delta_ratio", float)):
            value = stop.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                pins.append(f"trainer.callbacks.early_stopping.{key}={kind(value)!r}")
    return pins


def _config_groups() -> List[str]:
    from importlib import resources

    return [entry.name for entry in resources.files("forecast_cli.conf").iterdir() if entry.is_dir()]


def check_resumable(cfg) -> None:
    """Refuse (ForecastError) what cannot be resumed: a completed or still running run, a changed
    config, an unreadable checkpoint, or fewer epochs asked for than already done."""
    from forecast_cli.run.checkpoint import read_checkpoint_state

    run = RunDir(cfg.resume)
    status = run.status()
    if status == COMPLETED:
        raise ForecastError(f"run {run.root} is already completed: nothing to resume (start a new run)")
    if status == RUNNING:
        _check_not_running(run)
    _check_same_config(run, cfg)
    if not run.checkpoint_npz.is_file():
        return
    try:
        epochs_completed = int(read_checkpoint_state(run.checkpoint_npz)["epochs_completed"])
    except Exception as exc:
        raise _unreadable(run, exc) from exc
    if epochs_completed > int(cfg.trainer.epochs):
        raise ForecastError(
            f"run {run.root} already completed {epochs_completed} epochs: "
            f"trainer.epochs={cfg.trainer.epochs} cannot be lower"
        )


def load_resume_checkpoint(run: RunDir):
    """The checkpoint to continue from (None: the run ended before its first epoch; start at epoch 0)."""
    from forecast_cli.run.checkpoint import load_checkpoint

    if not run.checkpoint_npz.is_file():
        return None
    try:
        return load_checkpoint(run.checkpoint_npz)
    except Exception as exc:
        raise _unreadable(run, exc) from exc


def _unreadable(run: RunDir, exc: Exception) -> ForecastError:
    return ForecastError(f"cannot read the checkpoint {run.checkpoint_npz} ({type(exc).__name__}): start a new run")


def _check_not_running(run: RunDir) -> None:
    """The run's lock says whether a process writes it; a run from before locks has only the pid in
    run.json, which the OS may have given to another process since: it is named, never to be killed."""
    holder = lock_holder(run)
    if holder is not None:
        raise ForecastError(f"run {run.root} is still running (pid {holder}): stop it first (Ctrl-C or kill {holder})")
    record = run.record()
    if not run.lock_file.exists() and _still_running(record):
        raise ForecastError(
            f"run {run.root} may still be running: pid {record.get('pid')} named in its run.json is alive (not "
            "verified to be this run's process, the run predates run locks): resume it once that process ends"
        )


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
    saved = _with_derived_defaults(_flatten(run.saved_config_plain()))
    now = _with_derived_defaults(_flatten(OmegaConf.to_container(cfg, resolve=True)))
    ignored = {"resume", *ALLOWED_OVERRIDES}
    differing = sorted(
        k for k in set(saved) | set(now) if k not in ignored and not names_connection_target(k) and saved.get(k) != now.get(k)
    )
    if differing:
        key = differing[0]
        raise ForecastError(
            f"cannot resume {run.root}: its saved config.yaml says {key}={saved.get(key)!r} but recomposing "
            f"its overrides gives {now.get(key)!r} (the configs changed since): start a new run"
        )


# Options added since a run may have been saved, and what a config without them meant.
ADDED_SINCE = {"trainer.drop_last": False}


def _with_derived_defaults(flat: Dict[str, Any]) -> Dict[str, Any]:
    """Keys compared by the value they stand for: an option the run's version did not have is what that
    version did, a null data.split.val is its protocol's share (runs saved before it was optional wrote
    0.2 out), and none counts when fixed data.split.rows make the split."""
    from forecast_cli.data.split import DEFAULT_VAL

    flat = {**ADDED_SINCE, **flat}
    if "data.split.val" not in flat:
        return flat
    protocol = flat.get("data.split.protocol")
    if flat.get("data.split.rows") is not None:
        return {**flat, "data.split.val": None}
    if flat["data.split.val"] is None and protocol in DEFAULT_VAL:
        return {**flat, "data.split.val": DEFAULT_VAL[protocol]}
    return flat


def _flatten(node: Any, prefix: str = "") -> Dict[str, Optional[Any]]:
    if isinstance(node, dict):
        flat: Dict[str, Any] = {}
        for key, value in node.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat
    return {prefix[:-1]: node}
