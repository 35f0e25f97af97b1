"""Small file helpers: atomic writes and permission checks.

A config or key file must never be left half written: a crash between ``open`` and ``close`` would
otherwise lose the user's settings or identity. Every write therefore goes to a temporary file in
the same directory (same filesystem, so ``os.replace`` is atomic), is fsynced, and then renamed.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Exposure",
    "atomic_write_bytes",
    "atomic_write_text",
    "exposure",
    "insecure_mode",
    "own_user",
]


def _fsync_dir(directory: Path) -> None:
    # The rename is only durable once the directory entry is on disk; Windows cannot open
    # directories, and some filesystems refuse fsync on them, which is harmless.
    if sys.platform == "win32":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically.

    Args:
        path: Destination file. Its directory must exist.
        data: The complete new content.
        mode: Permission bits of the new file (applied before any data is written).

    Raises:
        OSError: The directory is not writable or the disk is full; ``path`` is unchanged.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        # mkstemp creates 0600; chmod explicitly so a wider or narrower mode is honoured
        # regardless of the umask.
        if sys.platform != "win32":
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(directory)


def atomic_write_text(path: Path, text: str, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically; see :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


@dataclass(frozen=True)
class Exposure:
    """Who besides us could read or change a file (see :func:`exposure`).

    Attributes:
        mode: The file's permission bits, e.g. ``0o644``.
        loose: The bits of the asked mask that are set (0 when none are).
        foreign_uid: The owner's uid when it is neither root nor this process's user, else None.
    """

    mode: int
    loose: int
    foreign_uid: int | None


def exposure(path: Path, mask: int = 0o077) -> Exposure:
    """One ``stat`` of ``path`` (following symlinks): its mode bits within ``mask`` and a foreign
    owner.

    Root and this process's own user are trusted owners (as ssh trusts them for its files); any
    other owner could rewrite the file at will. On Windows, where POSIX modes and uids mean
    nothing, nothing is reported.

    Args:
        path: An existing file.
        mask: The permission bits that must not be set, e.g. ``0o077`` (nobody else may read or
            write) or ``0o022`` (nobody else may write).

    Raises:
        OSError: ``path`` cannot be stat'ed.
    """
    st = os.stat(path)
    if sys.platform == "win32":
        return Exposure(stat.S_IMODE(st.st_mode), 0, None)
    mode = stat.S_IMODE(st.st_mode)
    foreign = st.st_uid not in (0, os.geteuid())
    return Exposure(mode, mode & mask, st.st_uid if foreign else None)


def insecure_mode(path: Path) -> int | None:
    """Return the group/other permission bits of ``path`` if there are any.

    Args:
        path: An existing file.

    Returns:
        ``st_mode & 0o077`` when that is nonzero, else None. Always None on Windows, where
        POSIX modes mean nothing.

    Raises:
        OSError: ``path`` cannot be stat'ed.
    """
    return exposure(path, 0o077).loose or None


def own_user() -> str:
    """This process's user name (its uid where no name is known), for a ``chown`` hint."""
    if sys.platform == "win32":
        return ""
    import pwd  # POSIX only

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())
