"""Exit codes of the ``peerup`` command line (documented in docs/cli.md)."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What a ``peerup`` process returns to its shell.

    Attributes:
        OK: The command did what was asked.
        FAILED: The operation failed for a reason explained on stderr (a PeerupError).
        USAGE: The command line was wrong (unknown option, missing argument, bad value).
        NO_DAEMON: A daemon-only command found no daemon running.
        UNREACHABLE: The peer could not be reached (no path, or no ping reply).
        INTERNAL: A bug: something unexpected happened; details are in the log file.
        INTERRUPTED: Ctrl+C (SIGINT) stopped the command before it finished.
    """

    OK = 0
    FAILED = 1
    USAGE = 2
    NO_DAEMON = 3
    UNREACHABLE = 4
    INTERNAL = 70
    INTERRUPTED = 130


_BY_ERROR_CODE: dict[str, ExitCode] = {
    "daemon-not-running": ExitCode.NO_DAEMON,
    "peer-unreachable": ExitCode.UNREACHABLE,
    "relay-limited": ExitCode.UNREACHABLE,
}


def exit_code_for(error_code: str) -> ExitCode:
    """Return the exit code for a :class:`~app.core.errors.PeerupError` ``code``.

    Args:
        error_code: The stable error code, e.g. ``"peer-unreachable"``.

    Returns:
        :attr:`ExitCode.NO_DAEMON`, :attr:`ExitCode.UNREACHABLE` or :attr:`ExitCode.FAILED`.
    """
    return _BY_ERROR_CODE.get(error_code, ExitCode.FAILED)
