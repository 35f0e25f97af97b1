"""The authorized_keys file: which peers may connect, and what we know about them.

Format (the reference's, so files can be shared with the Go peer-up)::

    # comment lines and blank lines are kept on rewrite
    <peer-id>[<ws>key=value]…[<ws>#<ws>comment]

Known attributes are ``expires=<RFC3339>``, ``verified=sha256:<hex>``, ``group=<hex>`` and
``hmac_proof=<hex>``; others are kept as they are. A line with a bad peer ID grants nothing and is
reported. A line with a malformed attribute still authorizes its (valid) peer ID, as in the
reference, but the problem is reported so ``auth validate`` can show it; the one exception is
``expires=``: a line whose expiry cannot be read is expired (a damaged limit must not read as
"never"). Duplicate peer IDs: the first line wins and the others are reported.

The file grants access, so it is read only when nobody but us (or root) could have written it
(:func:`app.core.files.require_private` with :data:`~app.core.files.GRANTING`): a line planted in a
world-writable file would otherwise let a stranger in.

Every change rewrites the whole file atomically and touches only the target line; every other
byte (comments, blank lines, odd spacing, CRLF endings) is kept as it was.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.core.errors import (
    AlreadyExistsError,
    AuthorizedKeysError,
    InvalidPeerIdError,
    NotFoundError,
    UnsafeFileError,
)
from app.core.files import GRANTING, read_limited, require_private, utf8_error_line
from app.core.ids.peerid import PeerId
from app.util.fsio import atomic_write_text

__all__ = [
    "AuthorizedKey",
    "AuthorizedKeysFile",
    "LineError",
    "format_entry",
    "format_expires",
    "parse_authorized_keys",
    "parse_expires",
    "write_header",
]

_ATTR_KEY_RE = re.compile(r"^[a-z_]+$")
_FIRST_ATTRS = ("expires", "verified")
# A list of peers is small; a huge file is a mistake or an attack, not something to parse.
_MAX_FILE_SIZE = 4 * 1024 * 1024
# RFC 3339 date-time (section 5.6), ASCII digits only: 2026-01-31T12:00:00Z, …T12:00:00.5+02:00.
_RFC3339_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)
_MAX_EXPIRES_LENGTH = 40
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

HEADER = (
    "# peer-up authorized_keys: peers allowed to connect to this node.\n"
    "# One peer per line: <peer-id>  [key=value ...]  # comment\n"
    "# Lines starting with '#' and blank lines are ignored and kept when peer-up edits this file.\n"
)


@dataclass(frozen=True)
class AuthorizedKey:
    """One authorized peer.

    Attributes:
        peer_id: The peer.
        attributes: ``key=value`` pairs in file order.
        comment: Text after ``#`` (usually the peer's name), stripped.
        line: 1-based line number in the file.
    """

    peer_id: PeerId
    attributes: tuple[tuple[str, str], ...]
    comment: str
    line: int

    def attr(self, key: str) -> str | None:
        """Return the value of attribute ``key``, or None if absent."""
        for k, v in self.attributes:
            if k == key:
                return v
        return None

    @property
    def verified(self) -> str | None:
        """The ``verified`` attribute (e.g. ``sha256:1a2b3c4d``), None while unverified."""
        return self.attr("verified")

    @property
    def expires_at(self) -> float | None:
        """When the authorization ends (Unix seconds); None without ``expires=``, and when the
        value cannot be read (:meth:`is_expired` then says so)."""
        value = self.attr("expires")
        if value is None:
            return None
        try:
            return parse_expires(value)
        except AuthorizedKeysError:
            return None

    def is_expired(self, now: float) -> bool:
        """Whether the line no longer authorizes at ``now`` (Unix seconds): its ``expires=``
        time has come, or it cannot be read."""
        if self.attr("expires") is None:
            return False
        expires = self.expires_at
        return expires is None or now >= expires


@dataclass(frozen=True)
class LineError:
    """A problem found on one line.

    Attributes:
        line: 1-based line number.
        message: Plain-words description.
    """

    line: int
    message: str


def parse_expires(value: str) -> float:
    """Read an ``expires=`` value: an RFC 3339 time such as ``2026-01-31T12:00:00Z``.

    The value comes from a file that others may have written (or a relay's message): it is
    checked strictly, ASCII digits only, bounded in length; a leap second (``:60``) is read as
    the next second.

    Returns:
        Unix seconds.

    Raises:
        AuthorizedKeysError: Not such a time, or not a real one (a 31st of February, an offset
            of 24 hours).
    """
    match = _RFC3339_RE.fullmatch(value) if len(value) <= _MAX_EXPIRES_LENGTH else None
    if match is None:
        raise AuthorizedKeysError(
            f"expires={_clip(value)!r} is not an RFC 3339 time such as 2026-01-31T12:00:00Z"
        )
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = float(match[7]) if match[7] else 0.0
    zone = match[8]
    offset = 0
    if zone not in ("Z", "z"):
        zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
        if zone_hours > 23 or zone_minutes > 59:
            raise AuthorizedKeysError(f"expires={value!r} has an impossible UTC offset")
        offset = (zone_hours * 3600 + zone_minutes * 60) * (1 if zone[0] == "+" else -1)
    leap = 1 if second == 60 else 0
    try:
        moment = datetime(year, month, day, hour, minute, second - leap, tzinfo=UTC)
    except ValueError:
        raise AuthorizedKeysError(f"expires={value!r} is not a real date and time") from None
    return (moment - _EPOCH).total_seconds() + leap + fraction - offset


def format_expires(unix: float) -> str:
    """An ``expires=`` value for a Unix time, in whole seconds (UTC): ``2026-01-31T12:00:00Z``."""
    return datetime.fromtimestamp(int(unix), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _split_lines(text: str) -> list[str]:
    # Only "\n" separates lines: str.splitlines() would also split on \x0c, \u2028 and friends
    # and the rewrite would then not be byte-for-byte.
    return text.split("\n")


def _parse_line(raw: str, number: int) -> tuple[AuthorizedKey | None, list[LineError]]:
    stripped = raw.strip()
    if not stripped or stripped.startswith("#"):
        return None, []
    data, sep, comment = stripped.partition("#")
    fields = data.split()
    errors: list[LineError] = []
    try:
        peer_id = PeerId.parse(fields[0])
    except InvalidPeerIdError as exc:
        return None, [LineError(number, f"{exc.message} ({_clip(fields[0])})")]
    attributes: list[tuple[str, str]] = []
    seen: set[str] = set()
    for field_ in fields[1:]:
        key, eq, value = field_.partition("=")
        if not eq:
            errors.append(
                LineError(number, f"{_clip(field_)!r} is not key=value (put comments after '#')")
            )
        elif not key:
            errors.append(LineError(number, f"attribute {_clip(field_)!r} has no name"))
        elif not value:
            errors.append(LineError(number, f"attribute {_clip(key)!r} has no value"))
        elif key in seen:
            errors.append(LineError(number, f"attribute {_clip(key)!r} appears twice"))
        else:
            seen.add(key)
            attributes.append((key, value))
            if key == "expires":
                try:
                    parse_expires(value)
                except AuthorizedKeysError as exc:
                    errors.append(LineError(number, f"{exc.message}: the peer counts as expired"))
    entry = AuthorizedKey(
        peer_id=peer_id,
        attributes=tuple(attributes),
        comment=comment.strip() if sep else "",
        line=number,
    )
    return entry, errors


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def parse_authorized_keys(text: str) -> tuple[list[AuthorizedKey], list[LineError]]:
    """Parse the content of an authorized_keys file.

    Never raises on content: every problem becomes a :class:`LineError`.

    Args:
        text: The whole file.

    Returns:
        ``(entries, errors)``; entries in file order, one per distinct peer (first line wins).
    """
    entries: list[AuthorizedKey] = []
    errors: list[LineError] = []
    first_line: dict[PeerId, int] = {}
    for number, raw in enumerate(_split_lines(text), start=1):
        entry, line_errors = _parse_line(raw, number)
        errors.extend(line_errors)
        if entry is None:
            continue
        if entry.peer_id in first_line:
            errors.append(
                LineError(
                    number,
                    f"peer {entry.peer_id.short()} is listed again "
                    f"(line {first_line[entry.peer_id]} is used)",
                )
            )
            continue
        first_line[entry.peer_id] = number
        entries.append(entry)
    return entries, errors


def _ordered(attributes: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    items = dict(attributes)
    first = [(k, items.pop(k)) for k in _FIRST_ATTRS if k in items]
    return first + sorted(items.items())


def format_entry(
    peer_id: PeerId,
    attributes: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    comment: str = "",
) -> str:
    """Format one line (without newline): ``id  key=value  key=value  # comment``.

    Attributes come in a stable order: ``expires``, ``verified``, then alphabetical.
    """
    pairs = attributes.items() if isinstance(attributes, Mapping) else attributes
    parts = [str(peer_id)] + [f"{k}={v}" for k, v in _ordered(pairs)]
    if comment:
        parts.append(f"# {comment}")
    return "  ".join(parts)


def _sanitize_comment(comment: str) -> str:
    cleaned = "".join(
        " " if c in "\r\n\t" else c
        for c in comment
        if c != "#" and (c in "\r\n\t" or c.isprintable())
    )
    return " ".join(cleaned.split())


def _check_attr(key: str, value: str | None) -> None:
    if not _ATTR_KEY_RE.fullmatch(key):
        raise AuthorizedKeysError(
            f"invalid attribute name {key!r}: use lowercase letters and '_' only"
        )
    if value is not None and (any(c.isspace() or c == "#" or not c.isprintable() for c in value)):
        raise AuthorizedKeysError(f"invalid value for {key!r}: it must not contain spaces or '#'")


def write_header(path: Path) -> None:
    """Create a new authorized_keys file (0600) that holds only an explanatory header.

    Raises:
        AlreadyExistsError: The file exists.
        AuthorizedKeysError: It cannot be created.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise AlreadyExistsError(f"{path} already exists") from None
    except OSError as exc:
        raise AuthorizedKeysError(f"cannot create {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)


class AuthorizedKeysFile:
    """An authorized_keys file on disk.

    Every method re-reads the file, so edits made by hand (or by another process) between calls
    are never lost.
    """

    def __init__(self, path: Path) -> None:
        """Bind to ``path``; nothing is read yet."""
        self.path = Path(path)
        self._errors: list[LineError] = []

    def check_safe(self) -> None:
        """Refuse the file if someone else could have written it (a missing file is safe).

        Raises:
            UnsafeFileError: It is writable by group or others, or owned by another user than
                root or ours; the hint says how to fix it (``chmod 600 …``).
        """
        if os.path.lexists(self.path):
            require_private(self.path, "authorized_keys", UnsafeFileError, mask=GRANTING)

    def _read(self, *, check: bool = True) -> str | None:
        if check:
            self.check_safe()
        try:
            data = read_limited(self.path, _MAX_FILE_SIZE, "authorized_keys", AuthorizedKeysError)
        except FileNotFoundError:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = utf8_error_line(data, exc)
            raise AuthorizedKeysError(
                f"{self.path}:{line}: not valid UTF-8 text",
                hint="authorized_keys must be a plain text file",
            ) from None

    def load(self, *, check: bool = True) -> list[AuthorizedKey]:
        """Read and parse the file; problems are kept for :meth:`errors`.

        Args:
            check: Refuse a file someone else could have written (see :meth:`check_safe`).
                Only a command that merely shows the file, and warns, passes False.

        Returns:
            The authorized peers; ``[]`` when the file does not exist.

        Raises:
            UnsafeFileError: ``check`` and the file is not safe.
            AuthorizedKeysError: The file cannot be read or is not UTF-8 text.
        """
        text = self._read(check=check)
        if text is None:
            self._errors = []
            return []
        entries, self._errors = parse_authorized_keys(text)
        return entries

    def errors(self) -> list[LineError]:
        """Return the problems found by the last :meth:`load`."""
        return list(self._errors)

    def signature(self) -> tuple[int, ...] | None:
        """Return ``(mtime_ns, size, inode, mode, uid)`` to detect changes cheaply (a ``chmod``
        or ``chown`` counts: it can make the file unsafe); None if missing."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_mode, st.st_uid)

    def _write(self, lines: list[str]) -> None:
        try:
            atomic_write_text(self.path, "\n".join(lines), mode=0o600)
        except OSError as exc:
            raise AuthorizedKeysError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def add(self, peer_id: PeerId, comment: str = "", *, now: float | None = None) -> AuthorizedKey:
        """Authorize ``peer_id``, appending a line ``<id>  # <comment>``.

        Args:
            peer_id: The peer to add.
            comment: Usually the peer's name; newlines and ``#`` are removed.
            now: The wall time (Unix seconds). When given, a line of the peer that has expired
                by then is renewed instead (its ``expires=`` removed; comment kept).

        Returns:
            The new (or renewed) entry.

        Raises:
            AlreadyExistsError: The peer is already listed (and not expired at ``now``).
            UnsafeFileError: The file is not safe (see :meth:`check_safe`).
            AuthorizedKeysError: The file cannot be read or written.
        """
        text = self._read()
        if text is None:
            text = HEADER
        entries, _ = parse_authorized_keys(text)
        listed = next((e for e in entries if e.peer_id == peer_id), None)
        if listed is not None and now is not None and listed.is_expired(now):
            self.set_attr(peer_id, "expires", None)
            return AuthorizedKey(
                peer_id,
                tuple(a for a in listed.attributes if a[0] != "expires"),
                listed.comment,
                listed.line,
            )
        if listed is not None:
            raise AlreadyExistsError(f"peer {peer_id.short()} is already authorized")
        lines = _split_lines(text)
        # The text ends with "\n" exactly when the last split element is "".
        if lines[-1] == "":
            lines.pop()
        clean = _sanitize_comment(comment)
        lines.append(format_entry(peer_id, (), clean))
        lines.append("")
        self._write(lines)
        return AuthorizedKey(peer_id=peer_id, attributes=(), comment=clean, line=len(lines) - 1)

    def _locate(self, peer_id: PeerId) -> tuple[list[str], list[AuthorizedKey]]:
        text = self._read()
        matches: list[AuthorizedKey] = []
        lines: list[str] = []
        if text is not None:
            lines = _split_lines(text)
            for number, raw in enumerate(lines, start=1):
                entry, _ = _parse_line(raw, number)
                if entry is not None and entry.peer_id == peer_id:
                    matches.append(entry)
        if not matches:
            raise NotFoundError(f"peer {peer_id.short()} is not in {self.path}")
        return lines, matches

    def remove(self, peer_id: PeerId) -> None:
        """Remove every line for ``peer_id`` (duplicates too, so nothing keeps it authorized).

        Raises:
            NotFoundError: The peer is not listed.
            AuthorizedKeysError: The file cannot be read or written.
        """
        lines, matches = self._locate(peer_id)
        drop = {m.line - 1 for m in matches}
        self._write([raw for i, raw in enumerate(lines) if i not in drop])

    def set_attr(self, peer_id: PeerId, key: str, value: str | None) -> None:
        """Set (or with ``None`` or ``""``, delete) an attribute of ``peer_id``.

        Only the peer's line is rewritten, in the canonical format.

        Raises:
            NotFoundError: The peer is not listed.
            AuthorizedKeysError: Bad key (must be ``[a-z_]+``) or value (no spaces, no ``#``),
                or the file cannot be read or written.
        """
        _check_attr(key, value)
        lines, matches = self._locate(peer_id)
        entry = matches[0]
        attrs = [(k, v) for k, v in entry.attributes if k != key]
        if value:
            attrs.append((key, value))
        raw = lines[entry.line - 1]
        ending = "\r" if raw.endswith("\r") else ""
        lines[entry.line - 1] = format_entry(peer_id, attrs, entry.comment) + ending
        self._write(lines)
