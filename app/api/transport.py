"""Where the local API lives and how it is authenticated.

The daemon listens on a Unix socket (mode 0600) in the private runtime directory and writes a
cookie file next to it: 32 random bytes as 64 lowercase hex characters, mode 0600, written after
the socket is bound, deleted on shutdown, so it rotates on every start. Clients send it as
``Authorization: Bearer <cookie>``.
"""

from __future__ import annotations

import hmac
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from app.api.errors import AccessDeniedError, ApiError, DaemonNotRunningError
from app.util import paths

COOKIE_BYTES = 32
"""Random bytes in a cookie; the file holds twice as many hex characters."""

_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class ApiEndpoint:
    """The socket and cookie file of one daemon.

    Attributes:
        socket_path: The Unix socket the daemon listens on.
        cookie_path: The file holding the bearer token.
    """

    socket_path: Path
    cookie_path: Path


def endpoint_for_config(config_path: Path) -> ApiEndpoint:
    """Return the API endpoint of the daemon that runs with ``config_path``.

    Args:
        config_path: The daemon's config file.

    Returns:
        The socket and cookie locations (in the private runtime directory).
    """
    socket_path = paths.api_socket_path(config_path)
    return ApiEndpoint(socket_path=socket_path, cookie_path=paths.api_cookie_path(socket_path))


def new_cookie() -> str:
    """Return a fresh bearer token: 32 random bytes as 64 lowercase hex characters."""
    return secrets.token_hex(COOKIE_BYTES)


def is_valid_cookie(text: str) -> bool:
    """Tell whether ``text`` has the shape of a cookie (64 lowercase hex characters)."""
    return len(text) == 2 * COOKIE_BYTES and set(text) <= _HEX


def bearer_matches(authorization: bytes | None, token: str) -> bool:
    """Check an ``Authorization`` header value against the token, in constant time.

    Args:
        authorization: The raw header value, or None when the header is missing.
        token: The daemon's current cookie.

    Returns:
        True only for ``Bearer <token>`` exactly.
    """
    if authorization is None:
        return False
    expected = b"Bearer " + token.encode("ascii")
    return hmac.compare_digest(authorization, expected)


def read_cookie(path: Path) -> str:
    """Read the daemon's bearer token.

    Args:
        path: The cookie file.

    Returns:
        The token (64 hex characters).

    Raises:
        DaemonNotRunningError: The file does not exist (the daemon deletes it on shutdown).
        AccessDeniedError: The file cannot be read by this user.
        ApiError: The file does not hold a cookie (code ``bad-cookie``).
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DaemonNotRunningError(
            f"The peer-up daemon is not running (no cookie file at {path})."
        ) from None
    except PermissionError:
        raise AccessDeniedError(
            f"Cannot read the daemon's cookie file {path}.", cookie_path=str(path)
        ) from None
    except OSError as exc:
        raise ApiError(
            f"Cannot read the daemon's cookie file {path}: {exc.strerror or exc}.",
            code="bad-cookie",
        ) from None
    text = raw.decode("ascii", errors="replace").strip()
    if not is_valid_cookie(text):
        raise ApiError(
            f"The daemon's cookie file {path} does not hold a valid token.",
            code="bad-cookie",
            hint="Restart the daemon to write a new one.",
        )
    return text


def daemon_available(endpoint: ApiEndpoint) -> bool:
    """Tell whether a daemon seems to run: its socket exists and its cookie is readable.

    This does not connect; a stale socket still counts as available, as in the reference.

    Args:
        endpoint: Where to look.

    Returns:
        True when a client may try the daemon.
    """
    try:
        if not stat.S_ISSOCK(endpoint.socket_path.stat().st_mode):
            return False
        read_cookie(endpoint.cookie_path)
    except (OSError, ApiError):
        return False
    return True
