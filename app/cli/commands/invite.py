"""``peerup invite`` and ``peerup join``: pairing two devices with a one-time code.

Both are daemon-first (the running daemon, else an ephemeral node). ``invite`` prints the code,
its ``peerup://join/`` link and a QR code, then a live countdown until someone joins; both sides
then show the same 4 emoji (with names) and 6 digits, and a "yes" marks the peer verified on
the side that answers. ``--non-interactive`` prints only the code on stdout (progress on stderr)
and never asks. ``join`` on a device without a config creates one first, with the code's relays
and namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from pathlib import Path

import click

from app.api.client import LocalClient
from app.cli.commands.pairing import join_with_pairing_code
from app.cli.context import config_option, daemon_endpoint, run_async, state
from app.cli.exitcodes import ExitCode
from app.cli.qr import render_qr
from app.cli.standalone import open_any_client
from app.core.codes.invitecode import InviteCode
from app.core.codes.joincode import parse_join_code
from app.core.codes.paircode import PairingCode
from app.core.config import ConfigEditor, init_config_dir, load_config
from app.core.errors import PeerupError
from app.core.files import read_limited
from app.core.pairing.invite import InviteProgress, JoinResult, SasView
from app.util.ports import pick_listen_port

_MAX_CODE_STDIN = 4096


def _parse_ttl(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    raw = text.strip().lower()
    try:
        if raw and raw[-1] in units:
            return float(raw[:-1]) * units[raw[-1]]
        return float(raw)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a duration (e.g. 10m, 90s, 1h)") from None


def _ask_match(sas: SasView) -> bool:
    click.echo()
    click.echo("Compare with the other screen (read the words aloud):")
    click.echo(f"  {sas.text()}")
    click.echo(f"  or the digits: {sas.digits}")
    return click.confirm("Do the emoji match?", default=False)


def _countdown(expires_at: int) -> str:
    left = max(0, int(expires_at - time.time()))
    return f"{left // 60}:{left % 60:02d}"


@click.command()
@click.option("--name", default="", help="The name the other device will know this one by.")
@click.option("--ttl", default="10m", show_default=True, help="How long the code is valid.")
@click.option(
    "--non-interactive",
    is_flag=True,
    help="Print only the code on stdout (progress on stderr); do not ask anything.",
)
@click.option(
    "--lan",
    is_flag=True,
    help="Also a short code (7-word-word-word) for a device on this network, found by mDNS.",
)
@config_option()
def invite(name: str, ttl: str, non_interactive: bool, lan: bool) -> int:
    """Invite another device: print a one-time code (and QR) and wait for it to join."""
    seconds = _parse_ttl(ttl)
    if not 10 <= seconds <= 86400:
        raise click.BadParameter("must be between 10s and 24h", param_hint="--ttl")
    config_path = state().resolved_config_path
    load_config(config_path)  # a clear error if there is no config yet
    interactive = not non_interactive
    return run_async(_invite(config_path, name=name, ttl=seconds, interactive=interactive, lan=lan))


async def _invite(config_path: Path, *, name: str, ttl: float, interactive: bool, lan: bool) -> int:
    live = interactive and sys.stdout.isatty()

    def progress(text: str) -> None:
        if live:
            click.echo("\r\033[K", nl=False)
        click.echo(text, err=not interactive)

    async def countdown(expires_at: int) -> None:
        # A live "expires in M:SS" line while waiting (terminals only; logs get no \r noise).
        while live:
            click.echo(f"\r\033[K  waiting… expires in {_countdown(expires_at)}", nl=False)
            await asyncio.sleep(1.0)

    async with open_any_client(
        daemon_endpoint(), config_path, announce=lambda m: click.echo(m, err=True)
    ) as client:
        joined: InviteProgress | None = None
        expires_at = 0
        stream = client.invite(name=name, ttl=ttl, lan=lan)
        ticker: asyncio.Task[None] | None = None
        try:
            async for line in stream:
                if line.kind == "code" and line.code is not None:
                    expires_at = line.expires_at or 0
                    _show_code(line, interactive=interactive)
                    ticker = asyncio.create_task(countdown(expires_at))
                elif line.kind == "attempt":
                    progress(f"Someone is joining ({line.peer_id})…")
                elif line.kind == "attempt-failed":
                    progress(
                        f"A join attempt failed (wrong code?). "
                        f"{line.attempts_left} attempt(s) left before the code burns."
                    )
                elif line.kind == "burned":
                    progress("The code is burned after 3 failed attempts. Create a new one.")
                    return int(ExitCode.FAILED)
                elif line.kind == "expired":
                    progress("The code expired before anyone joined.")
                    return int(ExitCode.FAILED)
                elif line.kind == "cancelled":
                    progress("The invite was cancelled.")
                    return int(ExitCode.FAILED)
                elif line.kind == "joined":
                    joined = line
                    break
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            progress("Invite cancelled.")
            return int(ExitCode.FAILED)
        finally:
            if ticker is not None:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
            await stream.aclose()
        if live:
            click.echo("\r\033[K", nl=False)
        if joined is None:
            progress(f"The invite ended (time left was {_countdown(expires_at)}).")
            return int(ExitCode.FAILED)
        return await _after_pairing(
            client,
            peer_id=joined.peer_id or "",
            name=joined.name,
            sas=joined.sas,
            interactive=interactive,
            verb="joined",
            warning=joined.warning,
        )


def _show_code(line: InviteProgress, *, interactive: bool) -> None:
    code = line.code or ""
    if not interactive:
        click.echo(code)
        if line.short_code:
            click.echo(f"Short code (same network): {line.short_code}", err=True)
        click.echo(f"Waiting for the other device (expires in {_countdown(line.expires_at or 0)})",
                   err=True)  # fmt: skip
        return
    click.echo(f"=== Invite code (expires in {_countdown(line.expires_at or 0)}) ===")
    click.echo()
    click.echo(code)
    click.echo()
    click.echo(render_qr(line.link or code))
    click.echo()
    click.echo("On the other device, run:")
    click.echo(f"  peerup join {code}")
    click.echo(f"or open: {line.link}")
    if line.short_code:
        click.echo(f"On the same network, the short code is enough: peerup join {line.short_code}")
    click.echo()
    click.echo("Waiting for the other device… (Ctrl+C cancels)")


async def _after_pairing(
    client: LocalClient,
    *,
    peer_id: str,
    name: str | None,
    sas: SasView | None,
    interactive: bool,
    verb: str,
    warning: str | None = None,
) -> int:
    label = name or peer_id
    out = sys.stdout if interactive else sys.stderr
    if warning:
        click.secho(warning, fg="red", bold=True, err=True)
    click.echo(f'Peer "{label}" {verb} and is authorized. [UNVERIFIED]', file=out)
    click.echo(f"  Peer ID: {peer_id}", file=out)
    if sas is None:
        return int(ExitCode.OK)
    if not interactive:
        click.echo(f"  SAS: {sas.text()}  ({sas.digits})", file=out)
        click.echo(f"  Verify later with: peerup verify {label}", file=out)
        return int(ExitCode.OK)
    if await asyncio.to_thread(_ask_match, sas):
        await client.confirm_invite(peer_id)
        click.echo(f'Peer "{label}" is verified.')
    else:
        click.echo(
            f'Not verified: "{label}" stays [UNVERIFIED]. If the emoji differ, someone may be '
            f"in the middle: remove it with `peerup auth remove {peer_id}`."
        )
    return int(ExitCode.OK)


@click.command()
@click.argument("code", nargs=-1)
@click.option("--name", default="", help="The name the inviting device will know this one by.")
@click.option(
    "--code-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the code (or link) from this file instead of the command line.",
)
@click.option(
    "--non-interactive", is_flag=True, help="Do not ask; read the code from stdin if not given."
)
@config_option()
def join(code: tuple[str, ...], name: str, code_file: Path | None, non_interactive: bool) -> int:
    """Join another device with its invite code or peerup://join/ link.

    A CODE on the command line can be seen by other users of this computer (in the process
    list) while the command runs. To keep it off: leave it out and type or paste it when asked
    (in a terminal), give - to read it from standard input, or use --code-file FILE.
    """
    text = _read_code(code, code_file, interactive=not non_interactive)
    config_path = state().resolved_config_path
    parsed = parse_join_code(text)  # a clear error for a typo before anything starts
    if isinstance(parsed, PairingCode):
        return join_with_pairing_code(text, name=name)
    if not config_path.exists():
        if isinstance(parsed, InviteCode):
            _create_config(config_path, parsed.namespace, parsed.relay_addresses)
        else:
            _create_config(config_path, "", ())
    return run_async(_join(config_path, text, name=name, interactive=not non_interactive))


def _read_code(code: tuple[str, ...], code_file: Path | None, *, interactive: bool) -> str:
    """The code from the arguments, ``-`` (stdin), ``--code-file`` or a prompt in a terminal."""
    if code_file is not None and code:
        raise click.UsageError("give the code as an argument or with --code-file, not both")
    if code_file is not None:
        try:
            data = read_limited(code_file, _MAX_CODE_STDIN, "code file", PeerupError)
        except FileNotFoundError:
            raise PeerupError(f"no code file {code_file}") from None
        text = data.decode("utf-8", "replace")
    elif code == ("-",) or (not code and not interactive):
        text = sys.stdin.readline(_MAX_CODE_STDIN)
    elif not code and sys.stdin.isatty():
        text = click.prompt("Invite code (or link)", default="", show_default=False)
    else:
        text = " ".join(code)
    text = " ".join(text.split())  # pieces separated by spaces or lines are one code
    if not text:
        raise click.UsageError(
            "give the invite code (or link): as an argument, - to read it from stdin, "
            "or --code-file FILE"
        )
    return text


def _create_config(config_path: Path, namespace: str, relays: tuple[str, ...]) -> None:
    """A fresh device: config, identity and authorized_keys, with the code's relays."""
    path = init_config_dir(
        config_path.parent, listen_port=pick_listen_port(), network=namespace or None
    )
    if path != config_path:
        path.rename(config_path)
    if relays:
        editor = ConfigEditor.open(config_path)
        for relay in relays:
            editor.add_relay(relay)
        editor.save()
    click.echo(f"Created a new config at {config_path}", err=True)


async def _join(config_path: Path, text: str, *, name: str, interactive: bool) -> int:
    async with open_any_client(
        daemon_endpoint(), config_path, announce=lambda m: click.echo(m, err=True)
    ) as client:
        click.echo("Joining…", err=True)
        try:
            result: JoinResult = await client.join(text, name=name)
        except PeerupError:
            raise
        click.echo(f"Joined with {result.name or result.peer_id} ({result.suite}).", err=True)
        if result.services:
            click.echo(f"  It offers: {', '.join(result.services)}", err=True)
        code = await _after_pairing(
            client,
            peer_id=result.peer_id,
            name=result.name,
            sas=result.sas,
            interactive=interactive,
            verb="added",
            warning=result.warning,
        )
        label = result.name or result.peer_id
        click.echo(f"Try: peerup ping {label}", err=True)
        if result.services:
            click.echo(f"     peerup proxy {label} {result.services[0]} <local-port>", err=True)
        return code
