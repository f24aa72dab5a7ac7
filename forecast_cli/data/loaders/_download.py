"""Fetching a public data file once into a cache directory, verified and written atomically.

The file is streamed into a temporary name beside its final name and renamed only once its length and
sha256 are right, so an interrupted or corrupt transfer never leaves a file that looks complete.
"""

import contextvars
import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

from forecast_cli.data.loaders._data_file import regular_file
from forecast_cli.errors import ForecastError
from forecast_cli.run.provenance import sha256_file

CHUNK = 1 << 20
_downloads_allowed = contextvars.ContextVar("downloads_allowed", default=True)


@contextmanager
def downloads_refused():
    """Load only files already on disk: the data config of an untrusted run (export) names the URL and
    the cache directory, so a download would write its content wherever that config says."""
    token = _downloads_allowed.set(False)
    try:
        yield
    finally:
        _downloads_allowed.reset(token)


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/forecast, else ~/.cache/forecast."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "forecast"


def cache_dir(configured: Optional[str]) -> Path:
    return Path(configured).expanduser() if configured else default_cache_dir()


def user_file_or_fetch(
    path: Optional[str], described: str, url: str, filename: str, cache: Optional[str], sha256: Optional[str]
) -> Path:
    """`data.path` when the user gave one (it must exist), else the cached download of `url`."""
    if path is not None:
        return regular_file(Path(path).expanduser(), described)
    return fetch(url, filename, cache_dir(cache), sha256)


def fetch(url: str, filename: str, directory: Path, sha256: Optional[str], timeout: float = 60.0) -> Path:
    """The cached file, downloading it first if it is missing or its sha256 is not the pinned one."""
    target = Path(directory) / filename
    if target.is_file() and (sha256 is None or sha256_file(target) == sha256):
        return target
    if not _downloads_allowed.get():
        raise ForecastError(
            f"the run's data {url} is not in {directory} and reading a run downloads nothing (its config "
            f"would choose where the file is written): give the file with data.path=FILE"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            digest, received, expected = _stream(url, handle, timeout, target)
        if expected is not None and received != expected:
            raise ForecastError(
                f"download of {url} was cut short ({received} of {expected} bytes): run again, or download it "
                f"yourself and set data.path=FILE"
            )
        if sha256 is not None and digest != sha256:
            raise ForecastError(
                f"download of {url} has sha256 {digest}, not the pinned {sha256}: the file changed upstream or "
                f"was corrupted; download it yourself and set data.path=FILE"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _stream(url: str, handle, timeout: float, target: Path):
    import http.client  # here, not at the top: urllib + ssl cost 0.06 s of every `forecast` start
    import urllib.error
    import urllib.request

    digest = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            expected = int(length) if length and length.isdigit() else None
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                handle.write(chunk)
                digest.update(chunk)
                received += len(chunk)
    except http.client.IncompleteRead as exc:
        raise ForecastError(
            f"download of {url} was cut short ({received + len(exc.partial)} bytes received): run again, or "
            f"download it yourself and set data.path=FILE"
        ) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ForecastError(
            f"cannot download {url} ({reason}) and it is not cached in {target.parent}: download it yourself "
            f"and set data.path=FILE (or data.cache_dir= to where it is)"
        ) from exc
    return digest.hexdigest(), received, expected
