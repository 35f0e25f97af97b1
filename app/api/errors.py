"""Errors of the local control API, and how error codes map to HTTP statuses.

Both sides use this module: the daemon turns a :class:`~app.core.errors.PeerupError` into an HTTP
status with :func:`http_status_for`, and the client turns an error envelope back into an
:class:`ApiError` carrying the same ``code``, ``message`` and ``hint``, so a front end can treat a
failure reported by the daemon like one raised locally.
"""

from __future__ import annotations

from app.core.errors import PeerupError

_STATUS_BY_CODE: dict[str, int] = {
    "unknown-peer": 404,
    "not-found": 404,
    "forward-not-found": 404,
    "service-not-found": 404,
    "no-such-endpoint": 404,
    "already-exists": 409,
    "address-in-use": 409,
    "forward-not-saved": 409,
    "config-error": 400,
    "bad-request": 400,
    "unauthorized": 401,
    "not-authorized": 403,
    "method-not-allowed": 405,
    "request-too-large": 413,
    "unsupported-media-type": 415,
    "peer-unreachable": 502,
    "relay-limited": 502,
    "service-unavailable": 502,
    "internal-error": 500,
}


def http_status_for(code: str) -> int:
    """Return the HTTP status the daemon answers with for an error ``code``.

    Args:
        code: A stable error code such as ``"unknown-peer"``.

    Returns:
        The mapped status; ``invalid-*`` codes and every other expected failure give 400.
    """
    return _STATUS_BY_CODE.get(code, 400)


class ApiError(PeerupError):
    """A request to the daemon failed; ``code`` is the daemon's (or the client's) error code.

    Attributes:
        code: Stable machine-readable identifier, e.g. ``"unknown-peer"``.
        message: Plain-words description, the English fallback for front ends.
        hint: Optional one-line advice.
        status: The HTTP status of the reply (0 when no reply came).
    """

    code = "api-error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        hint: str | None = None,
        status: int = 0,
    ) -> None:
        super().__init__(message, hint=hint)
        if code is not None:
            self.code = code
        self.status = status


class DaemonNotRunningError(ApiError):
    """No daemon answers on the API socket (missing socket file, or nobody listening)."""

    code = "daemon-not-running"

    def __init__(self, message: str = "The peer-up daemon is not running.") -> None:
        super().__init__(message, hint="Start it with `peerup daemon`.")


class AccessDeniedError(ApiError):
    """The daemon refused our token (HTTP 401), or the cookie file cannot be read."""

    code = "unauthorized"

    def __init__(self, message: str, *, cookie_path: str | None = None) -> None:
        where = f" ({cookie_path})" if cookie_path else ""
        super().__init__(
            message,
            hint=f"Run as the user who started the daemon, so that its cookie file{where} is "
            "readable; if the daemon was restarted, try again.",
            status=401,
        )


class DaemonAlreadyRunningError(PeerupError):
    """A daemon already listens on the API socket this daemon wanted to use."""

    code = "daemon-already-running"


class ApiSocketError(PeerupError):
    """The daemon cannot create its API socket (path taken by a file, too long, no access)."""

    code = "api-socket-error"
