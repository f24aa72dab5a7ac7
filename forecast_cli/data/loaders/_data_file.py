"""Opening a data file that a user (or a run's config) names: only a regular file is read (a FIFO would
block the reader forever, a device never ends), and a compressed one (.gz, .bz2, .xz, a .zip holding one
file) is decompressed with two caps on what it expands to, so that a few kilobytes cannot fill memory:

- EXPANSION_RATIO times its size on disk (the public CSV and .tsf files of the benchmarks expand 2-12x
  under gzip, bzip2, xz or zip; a file of zeros expands ~1000x), but never less than EXPANSION_FLOOR
  (a tiny file of repeated values legitimately expands more than the ratio);
- MEMORY_SHARE of this machine's memory (the smaller of the physical memory and the cgroup's limit):
  the table read from the text needs several times its size.

Beyond either cap the reading stops with one ForecastError naming the file, its sizes and the fix.
"""

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from forecast_cli.errors import ForecastError

COMPRESSED = (".gz", ".bz2", ".xz", ".zip")
UNSUPPORTED = (".tar", ".tgz", ".zst", ".7z", ".rar")  # pandas would read some of them, uncapped
EXPANSION_RATIO = 200
EXPANSION_FLOOR = 32 * 1024**2
MEMORY_SHARE = 4  # a quarter of the machine's memory
CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def regular_file(path: Path, described: str) -> Path:
    """`path` if it names a regular file (through links); else a ForecastError saying what to give."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        raise ForecastError(f"data file not found: {path} (set data.path= to {described})") from None
    if not stat.S_ISREG(mode):
        raise ForecastError(
            f"data file {path} is not a regular file (a {_kind(mode)}): set data.path= to {described}, not a pipe "
            "or device (a stream cannot be read twice, for its sha256 and its rows)"
        )
    return path


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "device"))
    return next((name for test, name in kinds if test(mode)), "device")


def open_data(path: Path) -> io.BufferedIOBase:
    """The file's bytes, decompressed (capped) when its suffix says it is compressed."""
    suffix = path.suffix.lower()
    if suffix in UNSUPPORTED or ".tar" in [s.lower() for s in path.suffixes]:
        raise ForecastError(
            f"{path}: {suffix} files are not read (only .gz, .bz2, .xz or a .zip holding one file): "
            "decompress it and set data.path= to the file inside"
        )
    raw = _open_regular(path)
    if suffix not in COMPRESSED:
        return raw
    try:
        inner, archive = _decompressing(raw, path, suffix)
    except BaseException:
        raw.close()
        raise
    size = os.fstat(raw.fileno()).st_size
    return io.BufferedReader(_CappedReader(inner, [archive, raw], path, size, expansion_cap(size)))


def open_text(path: Path) -> io.TextIOWrapper:
    return io.TextIOWrapper(open_data(path), encoding="utf-8")


def _open_regular(path: Path):
    """Opened without blocking (a FIFO swapped in after regular_file's check would block here) and
    checked to be a regular file on the descriptor itself."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ForecastError(f"data file {path} is not a regular file (a {_kind(mode)}): set data.path= to a file")
    return os.fdopen(fd, "rb")


def _decompressing(raw, path: Path, suffix: str):
    """(the decompressed stream, the archive to close with it or None)."""
    import bz2
    import gzip
    import lzma
    import zipfile

    if suffix == ".zip":
        try:
            archive = zipfile.ZipFile(raw)
        except zipfile.BadZipFile as exc:
            raise ForecastError(f"cannot read {path}: it is not a zip file ({exc}); download or compress it again") from exc
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            archive.close()
            raise ForecastError(f"{path} holds {len(members)} files, not one: a zipped data file must contain only the data file")
        return archive.open(members[0]), archive
    openers = {".gz": gzip.GzipFile, ".bz2": bz2.BZ2File, ".xz": lzma.LZMAFile}
    return openers[suffix](fileobj=raw) if suffix == ".gz" else openers[suffix](raw), None


def machine_memory() -> int:
    """Bytes of memory this process may use: the physical memory, or the cgroup's limit when lower."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for name in CGROUP_LIMITS:
        try:
            text = Path(name).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < physical:
            return int(text)
    return physical


@dataclass(frozen=True)
class Cap:
    limit: int  # bytes
    reason: str  # ratio | memory


def expansion_cap(compressed_size: int) -> Cap:
    by_ratio = max(EXPANSION_RATIO * compressed_size, EXPANSION_FLOOR)
    by_memory = machine_memory() // MEMORY_SHARE
    return Cap(by_ratio, "ratio") if by_ratio <= by_memory else Cap(by_memory, "memory")


def size_text(count: int) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} bytes"


class _CappedReader(io.RawIOBase):
    """Reads a decompressing stream and stops with a ForecastError once more than `cap.limit` bytes came out."""

    def __init__(self, inner, closing: list, path: Path, compressed: int, cap: Cap):
        super().__init__()
        self.inner, self.closing, self.path, self.compressed, self.cap = inner, closing, path, compressed, cap
        self.expanded = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self.inner.readinto(buffer)
        self.expanded += count
        if self.expanded > self.cap.limit:
            raise ForecastError(self._refusal())
        return count

    def _refusal(self) -> str:
        expanded, on_disk = size_text(self.cap.limit), size_text(self.compressed)
        if self.cap.reason == "memory":
            return (
                f"data file {self.path} ({on_disk} on disk) expands to more than {expanded}, 1/{MEMORY_SHARE} of this "
                f"machine's memory ({size_text(machine_memory())}): use a machine with more memory, or a smaller file"
            )
        return (
            f"data file {self.path} ({on_disk} on disk) expands to more than {expanded}, over {EXPANSION_RATIO} times "
            "its compressed size, which no data file reaches (a decompression bomb?): if the file is genuine, "
            "decompress it yourself and set data.path= to the decompressed file"
        )

    def close(self) -> None:
        if not self.closed:
            self.inner.close()
            for handle in self.closing:
                if handle is not None:
                    handle.close()
        super().close()

