"""Reading a run directory as untrusted input: only regular files inside it, each read with a size cap,
never through a symbolic link, never blocking on a FIFO or a device; YAML as plain data (no anchors or
aliases, no resolvers: a saved `${oc.env:...}` stays the text it is); archives refused before they expand
beyond a bound.

Every reader of a run (evaluate, predict, backtest, export, compare, runs, resume) goes through here, so
that a planted link, FIFO, alias bomb or zip bomb is one line (ForecastError) instead of a write through
the link, a hang, or the machine's memory.
"""

import errno
import json
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any, Iterator, Optional

from forecast_cli.errors import ForecastError

MAX_RECORD_BYTES = 32 * 2**20  # run.json, config.yaml, metrics.json, scaler.json, history.csv, ...
MAX_YAML_EVENTS = 200_000  # a saved config has a few thousand; deep nesting is refused before it is built
# a Keras archive or checkpoint stores its members uncompressed (ratio 1); deflate reaches ~1000x
MAX_ARCHIVE_RATIO = 20
ARCHIVE_MEMORY_SHARE = 0.5  # of the machine's physical memory, for everything an archive expands to


def read_bytes(path: Path, limit: int = MAX_RECORD_BYTES) -> bytes:
    """The content of a regular file that is not a link, at most `limit` bytes; ForecastError otherwise."""
    fd = open_regular(path)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise ForecastError(
                f"{path} is {size:,} bytes, more than the {limit:,} a run's file may hold: it was not written by "
                "forecast; train the run again"
            )
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 2**20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise ForecastError(f"{path} grew past {limit:,} bytes while it was read: train the run again")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: Path, limit: int = MAX_RECORD_BYTES) -> str:
    try:
        return read_bytes(path, limit).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ForecastError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}): train the run again") from exc


def open_regular(path: Path, flags: int = os.O_RDONLY, mode: int = 0o644) -> int:
    """A descriptor of `path` opened without following a final link and without blocking (a FIFO), once
    it is verified to be a regular file; ForecastError naming the file otherwise."""
    path = Path(path)
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise not_regular(path, "a symbolic link") from exc
        if exc.errno == errno.ENXIO:  # a FIFO opened for writing with no reader
            raise not_regular(path, "a FIFO") from exc
        raise
    kind = os.fstat(fd).st_mode
    if not stat.S_ISREG(kind):
        os.close(fd)
        raise not_regular(path, _kind_name(kind))
    os.set_blocking(fd, True)
    return fd


def not_regular(path: Path, kind: str) -> ForecastError:
    return ForecastError(
        f"{path} is {kind}, not a regular file: a run directory holds only the files forecast writes "
        "(a planted link or special file is never read or written through); remove it or train the run again"
    )


def check_tree(root: Path) -> None:
    """Every entry at or below `root` is a regular file or a directory: no symbolic link (which could lead
    out of the run, or make a writer write elsewhere), no FIFO, socket or device (which could block)."""
    root = Path(root)
    for entry in _entries(root):
        kind = entry.stat(follow_symlinks=False).st_mode
        if not (stat.S_ISREG(kind) or stat.S_ISDIR(kind)):
            raise not_regular(Path(entry.path), _kind_name(kind))


def _entries(root: Path) -> Iterator[os.DirEntry]:
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except FileNotFoundError:
            continue
        for entry in entries:
            yield entry
            if entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))


def _kind_name(kind: int) -> str:
    for test, name in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(kind):
            return name
    return "a special file"


def load_json(path: Path, limit: int = MAX_RECORD_BYTES) -> Any:
    """A JSON file of a run (ValueError when it is not JSON)."""
    return json.loads(read_text(path, limit))


def load_yaml_data(path: Path, limit: int = MAX_RECORD_BYTES):
    """A YAML file of a run as an OmegaConf node whose strings are literal text: no resolver or
    interpolation in it is ever evaluated (read values through the node, or to_container(resolve=True))."""
    from omegaconf import OmegaConf

    return OmegaConf.create(literal(load_yaml_plain(path, limit)))


class NotYAML(ValueError):
    """A run's YAML file that does not parse; named by the parser's own error (ParserError, ScannerError)."""

    def __init__(self, exc: Exception):
        self.kind = type(exc).__name__
        super().__init__(f"not YAML: {str(exc).splitlines()[0] if str(exc) else self.kind}")


def error_name(exc: BaseException) -> str:
    """The name a one-line message gives an exception reading a run file."""
    return exc.kind if isinstance(exc, NotYAML) else type(exc).__name__


def load_yaml_plain(path: Path, limit: int = MAX_RECORD_BYTES) -> Any:
    """A YAML file of a run as plain Python data, parsed as OmegaConf parses YAML. Anchors and aliases
    (which no forecast or Hydra file holds, and which can expand a 1 KB file into gigabytes) are refused
    before anything is built."""
    import yaml
    from omegaconf._utils import get_yaml_loader

    text = read_text(path, limit)
    loader = get_yaml_loader()
    try:
        for count, event in enumerate(yaml.parse(text, Loader=loader)):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise ForecastError(
                    f"{path} holds a YAML anchor or alias (&, *), which no forecast run writes: it was crafted or "
                    "damaged; train the run again"
                )
            if count > MAX_YAML_EVENTS:
                raise ForecastError(f"{path} holds more than {MAX_YAML_EVENTS:,} YAML nodes: it was not written by forecast")
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise NotYAML(exc) from exc


_INTERPOLATION = re.compile(r"(\\*)\$\{")


def literal(data: Any) -> Any:
    """Plain data with every string escaped so that OmegaConf reads it as the text it is (`${x}` stays
    `${x}`; OmegaConf's escape is `\\${`, and backslashes before it are doubled)."""
    if isinstance(data, str):
        return _INTERPOLATION.sub(lambda m: "\\" * (2 * len(m.group(1)) + 1) + "${", data)
    if isinstance(data, dict):
        return {key: literal(value) for key, value in data.items()}
    if isinstance(data, list):
        return [literal(value) for value in data]
    return data


def check_archive(path: Path, what: str, fix: str) -> None:
    """A zip archive (`.keras`, `.npz`) whose members expand to at most MAX_ARCHIVE_RATIO times its size
    and to at most a share of the machine's memory: a zip bomb is refused before it is read."""
    size = os.path.getsize(path)
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ForecastError(f"{path} is not a readable {what} ({type(exc).__name__}): {fix}") from exc
    bound = min(MAX_ARCHIVE_RATIO * max(size, 2**20), ARCHIVE_MEMORY_SHARE * (physical_memory() or 2**34))
    if expanded > bound:
        raise ForecastError(
            f"{path} expands to {expanded:,} bytes from {size:,} (more than {int(bound):,}): not a {what} forecast "
            f"writes (a zip bomb?); {fix}"
        )


def physical_memory() -> Optional[int]:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return None
