"""The package's zip, made reproducible: the same files give the same bytes.

Entries are sorted by name, every timestamp is the zip format's earliest
(1980-01-01 00:00), every file is ``0644`` or, when its source is executable (a
``bootstrap``), ``0755``, and nothing of the machine that built it (owner, umask,
mtime, directory entries, ``.pyc`` files) goes in. A deploy tool can then compare
hashes and skip an unchanged upload.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path

import attrs

#: The earliest timestamp a zip entry can carry (its DOS date starts in 1980).
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
#: ``create_system`` of an entry whose mode is a Unix one (the external attributes'
#: high 16 bits), as Info-ZIP writes it: FC and Yandex unpack on Linux.
UNIX = 3
_CHUNK = 1 << 20


@attrs.frozen
class Source:
    """What one entry of the zip holds: a file on disk, or bytes made here."""

    path: Path | None = None
    data: bytes | None = None
    executable: bool = False

    @classmethod
    def of_file(cls, path: Path) -> Source:
        mode = path.stat().st_mode
        return cls(path=path, executable=bool(mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)))

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size


def unpacked_size(entries: Mapping[str, Source]) -> int:
    """Bytes the package takes once unpacked (its files' sizes added up)."""
    return sum(source.size for source in entries.values())


def write_zip(entries: Mapping[str, Source], path: Path) -> tuple[str, int]:
    """Write ``entries`` (name in the zip → source) to ``path``; its sha256 and size."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            source = entries[name]
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = UNIX
            mode = 0o755 if source.executable else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            size = source.size
            with archive.open(info, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as out:
                if source.data is not None:
                    out.write(source.data)
                else:
                    assert source.path is not None
                    with source.path.open("rb") as file:
                        shutil.copyfileobj(file, out, _CHUNK)
    return file_sha256(path), path.stat().st_size


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def unpack(path: Path, folder: Path) -> None:
    """Unpack the zip at ``path`` into ``folder`` as the platform does, modes kept."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            written = Path(archive.extract(info, folder))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                os.chmod(written, mode)
