"""What a run records about where it came from: package versions, host, input checksums."""

import hashlib
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Dict

_PACKAGES = ("forecast-cli", "tensorflow", "tensorflow-cpu", "keras", "numpy", "pandas", "hydra-core", "omegaconf")


def package_versions() -> Dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def host_info() -> Dict[str, str]:
    return {"hostname": platform.node(), "platform": platform.platform(), "argv": " ".join(sys.argv)}


def sha256_file(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
