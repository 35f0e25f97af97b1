"""The ``peerup`` command line: a thin client of the local API plus file-based commands.

Commands are daemon-first where a live node matters (``status``, ``ping``, ``traceroute``,
``proxy``, and the changes made by ``auth add/remove`` and ``service …``), daemon-only under
``peerup daemon …``, and file-based otherwise (``init``, ``whoami``, ``resolve``, ``config …``,
``auth list/validate``, ``relay add/list/remove/setup/info``, which also show the daemon's view when
one runs). ``ping``, ``traceroute`` and ``proxy`` start a private, ephemeral node when no daemon
runs. ``relay serve`` is the daemon itself (dispatched by :mod:`app.launcher`).

Output: human text on stdout by default; ``--json`` on listing and query commands prints only JSON
on stdout. Errors go to stderr as ``Error: <message>`` and, when there is advice, ``Hint: <hint>``;
users never see a traceback.

Exit codes:
    0: success.
    1: the operation failed (an expected error, explained on stderr).
    2: usage error (unknown command or option, bad argument), with click's message.
    3: daemon not running, for commands that need one (``peerup daemon …``).
    4: peer unreachable (error code ``peer-unreachable``, or no ping got a reply).
    70: internal error (a bug); the traceback is written to a log file whose path is printed.
    130: interrupted by Ctrl+C. ``proxy`` and an endless ``ping`` end with Ctrl+C by design and
        exit 0 (or 4 for a ping without replies) after cleaning up.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path

import click

from app.cli.commands.auth import auth
from app.cli.commands.config import config_group
from app.cli.commands.daemon import daemon
from app.cli.commands.invite import invite, join
from app.cli.commands.net import ping, proxy, resolve, traceroute
from app.cli.commands.pairing import pair
from app.cli.commands.relay import relay
from app.cli.commands.service import service
from app.cli.commands.setup import init, version, version_text, whoami
from app.cli.commands.status import status
from app.cli.commands.verify import verify
from app.cli.context import CliState, config_option
from app.cli.exitcodes import ExitCode, exit_code_for
from app.core.errors import PeerupError
from app.util.paths import runtime_dir

__all__ = ["ExitCode", "cli", "main"]

CRASH_LOG_NAME = "peerup-cli-error.log"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit(0)


@click.group(
    name="peerup",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@config_option(envvar="PEERUP_CONFIG")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print the version and exit.",
)
def cli() -> None:
    """peer-up: reach your devices and their services through NAT, with libp2p.

    Run `peerup init` once, then `peerup daemon` to start the node.
    """


for _command in (
    init,
    whoami,
    version,
    status,
    auth,
    service,
    proxy,
    ping,
    traceroute,
    resolve,
    relay,
    daemon,
    config_group,
    verify,
    invite,
    join,
):
    cli.add_command(_command)
relay.add_command(pair)


def _report_error(exc: PeerupError) -> None:
    click.echo(f"Error: {exc.message}", err=True)
    if exc.hint:
        click.echo(f"Hint: {exc.hint}", err=True)


def _crash_log_path() -> Path:
    try:
        return runtime_dir() / CRASH_LOG_NAME
    except OSError:
        return Path(tempfile.gettempdir()) / CRASH_LOG_NAME


def _report_crash(exc: BaseException) -> None:
    """Write the traceback to a private log file and tell the user where it is."""
    path = _crash_log_path()
    text = "".join(traceback.format_exception(exc))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"peerup {' '.join(sys.argv[1:])}\n{text}")
        where = f"Details were written to {path}."
    except OSError:
        where = "The details could not be written to a log file."
    click.echo(f"Error: internal error ({type(exc).__name__}: {exc}).", err=True)
    click.echo(f"Hint: this is a bug in peerup. {where}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Run the ``peerup`` command line.

    Args:
        argv: Arguments without the program name; default ``sys.argv[1:]``.

    Returns:
        The process exit code (see the module docstring).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="peerup", standalone_mode=False, obj=CliState())
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        return int(ExitCode.INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return int(ExitCode.INTERRUPTED)
    except PeerupError as exc:
        _report_error(exc)
        return int(exit_code_for(exc.code))
    except BrokenPipeError:
        # stdout closed early (e.g. `peerup auth list | head -1`): not an error of ours.
        return int(ExitCode.OK)
    except Exception as exc:  # the top boundary: anything else is a bug
        _report_crash(exc)
        return int(ExitCode.INTERNAL)
    if isinstance(result, int):
        return result
    return int(ExitCode.OK)
