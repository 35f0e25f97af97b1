"""Entry points: ``peerup`` (CLI, or the daemon itself) and ``peerup-tray``.

``peerup daemon [start]`` and ``peerup relay serve`` (the daemon with its relay service forced on)
run the daemon; every other command line goes to the CLI.

This is the only module that may see both the daemon and the front ends: it decides which one a
command line asks for, and imports only that one (so ``peerup whoami`` never pays for importing
py-libp2p).
"""

from __future__ import annotations

import sys

_GLOBAL_OPTIONS_WITH_VALUE = ("--config",)


def _split_global_options(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split leading global options (``--config X``) from the command and its arguments."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _GLOBAL_OPTIONS_WITH_VALUE:
            i += 2
        elif any(arg.startswith(opt + "=") for opt in _GLOBAL_OPTIONS_WITH_VALUE):
            i += 1
        else:
            break
    return argv[:i], argv[i:]


_DAEMON_OPTIONS_WITH_VALUE = ("--config", "--api-socket")


def _runs_daemon(command: list[str]) -> bool:
    """``peerup daemon [start] [options]`` runs the daemon; ``peerup daemon <sub>`` is the CLI's."""
    if not command or command[0] != "daemon":
        return False
    positional: list[str] = []
    rest = iter(command[1:])
    for arg in rest:
        if arg in ("-h", "--help"):
            return False
        if arg in _DAEMON_OPTIONS_WITH_VALUE:
            next(rest, None)
        elif not arg.startswith("-"):
            positional.append(arg)
    return positional in ([], ["start"])


def _relay_serve_args(command: list[str]) -> list[str] | None:
    """``peerup relay serve [options]`` runs the daemon as a relay: return those options.

    None for any other command line, and for ``relay serve --help`` (the CLI prints that help).
    """
    if command[:2] != ["relay", "serve"]:
        return None
    options = command[2:]
    if any(arg in ("-h", "--help") for arg in options):
        return None
    return options


def main(argv: list[str] | None = None) -> int:
    """``peerup``: dispatch to the daemon or the CLI; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    global_opts, command = _split_global_options(args)
    if _runs_daemon(command):
        from app.daemon.main import main as daemon_main

        return daemon_main([*command[1:], *global_opts])
    relay_options = _relay_serve_args(command)
    if relay_options is not None:
        from app.daemon.main import main as daemon_main

        return daemon_main(["--relay-service", *relay_options, *global_opts])
    from app.cli.main import main as cli_main

    return cli_main(args)


def tray_main(argv: list[str] | None = None) -> int:
    """``peerup-tray``: until the tray exists, run the daemon in the foreground.

    A default config (and identity) is created on first run.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    from app.daemon.main import main as daemon_main

    return daemon_main(["--init", *args])


if __name__ == "__main__":
    sys.exit(main())
