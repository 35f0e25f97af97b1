"""Reading the small private files peer-up keeps (config, identity key, authorized_keys).

Each caller raises its own error class, so the messages name the kind of file; the checks and their
wording live here once.
"""

from __future__ import annotations

from pathlib import Path

from app.core.errors import PeerupError
from app.util.fsio import insecure_mode


def require_private(path: Path, what: str, error: type[PeerupError]) -> None:
    """Refuse a file that group or others may access (the reference's rule, with its fix hint).

    Raises:
        error: The file is group/other accessible, or cannot be inspected.
    """
    try:
        bits = insecure_mode(path)
        mode = path.stat().st_mode & 0o777
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if bits is not None:
        raise error(
            f"{what} {path} has insecure permissions {mode:04o} (expected 0600)",
            hint=f"fix with: chmod 600 {path}",
        )


def read_limited(path: Path, limit: int, what: str, error: type[PeerupError]) -> bytes:
    """Read at most ``limit`` bytes of a file that must not be larger.

    Raises:
        FileNotFoundError: The file does not exist (callers decide whether that is an error).
        error: The file cannot be read or is larger than ``limit``.
    """
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{what} {path} is too large (over {limit} bytes)")
    return data


def utf8_error_line(data: bytes, exc: UnicodeDecodeError) -> int:
    """The 1-based line on which ``data`` stops being valid UTF-8."""
    return data[: exc.start].count(b"\n") + 1
