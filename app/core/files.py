"""Reading the small private files peer-up keeps (config, identity key, authorized_keys).

Each caller raises its own error class, so the messages name the kind of file; the checks and their
wording live here once. Two kinds of file are checked before they are trusted
(:func:`require_private`): secrets (config, identity key: :data:`SECRET`, nobody else may read or
write them) and files that grant access (authorized_keys, the relay pairing state:
:data:`GRANTING`, nobody else may write them; a line planted there would let a stranger in). Both
must be owned by root or by the user peer-up runs as.
"""

from __future__ import annotations

from pathlib import Path

from app.core.errors import PeerupError
from app.util.fsio import exposure, own_user

__all__ = ["GRANTING", "SECRET", "read_limited", "require_private", "utf8_error_line"]

SECRET = 0o077
"""The mode bits a secret file must not have: group or others may neither read nor write it."""
GRANTING = 0o022
"""The mode bits a file that grants access must not have: group or others may not write it."""


def require_private(path: Path, what: str, error: type[PeerupError], *, mask: int = SECRET) -> None:
    """Refuse a file that someone else could read or change (the reference's rule and fix hint).

    Args:
        path: The file, which must exist.
        what: Its kind as the message names it, e.g. ``"config file"``.
        error: The error class to raise (called with the message and ``hint=``).
        mask: :data:`SECRET` (nobody else may read or write) or :data:`GRANTING` (nobody else
            may write).

    Raises:
        error: The file has one of the ``mask`` bits, is owned by another user than root or
            ours, or cannot be inspected.
    """
    try:
        seen = exposure(path, mask)
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if seen.foreign_uid is not None:
        raise error(
            f"{what} {path} is owned by another user (uid {seen.foreign_uid}), who could change it",
            hint=f"fix with: chown {own_user()} {path} && chmod 600 {path}",
        )
    if seen.loose:
        raise error(
            f"{what} {path} has insecure permissions {seen.mode:04o} (expected 0600)",
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
