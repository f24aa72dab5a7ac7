"""Where a multi-worker or TPU run finds its peers, decided without TensorFlow.

A multi-worker cluster comes from `strategy.workers` + `strategy.task_index`, else from the TF_CONFIG
environment variable that every worker of a TensorFlow cluster gets. The chief (task `chief`, or
worker 0 when the cluster has no chief) is the only process that keeps a run directory.
"""

import json
import os
import socket
from typing import Any, Dict, Optional
from urllib.parse import urlparse

from forecast_cli.errors import ForecastError

MULTI_WORKER = "multi_worker"
TPU_METADATA_HOST = ("metadata.google.internal", 80)  # TPU names resolve through the GCE metadata server
RECIPE = "set TF_CONFIG on every worker, or strategy.workers=[host:port,...] strategy.task_index=N"


def tf_config() -> Optional[Dict[str, Any]]:
    text = os.environ.get("TF_CONFIG", "").strip()
    if not text:
        return None
    try:
        config = json.loads(text)
        config["cluster"], config["task"]["type"], int(config["task"]["index"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ForecastError(
            f"TF_CONFIG is not valid ({type(exc).__name__}: {exc}): it must be JSON like "
            '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}'
        ) from exc
    return config


def require_cluster(strategy_cfg) -> None:
    if strategy_cfg.name == MULTI_WORKER and not strategy_cfg.workers and tf_config() is None:
        raise ForecastError(f"strategy=multi_worker needs a cluster: {RECIPE}")
    if strategy_cfg.workers and not 0 <= strategy_cfg.task_index < len(strategy_cfg.workers):
        raise ForecastError(
            f"strategy.task_index must be in [0, {len(strategy_cfg.workers) - 1}] for "
            f"{len(strategy_cfg.workers)} workers, got {strategy_cfg.task_index}"
        )


def is_chief(strategy_cfg) -> bool:
    """True for every single-process run and for the chief of a multi-worker cluster."""
    if strategy_cfg.name != MULTI_WORKER:
        return True
    if strategy_cfg.workers:
        return int(strategy_cfg.task_index) == 0
    config = tf_config()
    if config is None:
        return True
    task_type, index = config["task"]["type"], int(config["task"]["index"])
    if "chief" in config["cluster"]:
        return task_type == "chief"
    return task_type == "worker" and index == 0


def ensure_reachable(host: str, port: int, timeout_s: float, what: str) -> None:
    """Connecting TensorFlow to an address with nothing behind it hangs: try a plain TCP connection first."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return
    except OSError as exc:
        raise ForecastError(
            f"cannot reach {what} at {host}:{port} ({exc.strerror or exc}); check strategy.tpu, or train "
            "with strategy=auto on this machine"
        ) from exc


def check_tpu_reachable(target: str, timeout_s: float) -> None:
    if target == "local":
        return
    if target.startswith("grpc://"):
        address = urlparse(target)
        if not address.hostname or not address.port:
            raise ForecastError(f"strategy.tpu '{target}' must look like grpc://host:8470")
        ensure_reachable(address.hostname, address.port, timeout_s, "the TPU")
        return
    ensure_reachable(*TPU_METADATA_HOST, timeout_s, f"the Google Cloud metadata server to resolve TPU '{target}'")
