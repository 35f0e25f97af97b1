"""``peerup proxy``, ``peerup ping``, ``peerup traceroute`` and ``peerup resolve``.

``proxy``, ``ping`` and ``traceroute`` are daemon-first: they use the running daemon when there is
one, and otherwise an ephemeral local node (:mod:`app.cli.standalone`), through the same API calls.
Ctrl+C is the normal way to end ``proxy`` and an endless ping: the forward is closed, the summary
printed, and the exit code is 0 (or 4 when no ping got a reply).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import sys
from pathlib import Path

import click

from app.api.client import LocalClient
from app.api.models import Snapshot, WatchEvent
from app.api.transport import ApiEndpoint
from app.cli import render
from app.cli.context import (
    config_option,
    daemon_endpoint,
    json_option,
    load_cli_config,
    peer_name,
    resolve_peer,
    run_async,
    state,
    stop_on_termination,
)
from app.cli.exitcodes import ExitCode
from app.cli.standalone import open_any_client
from app.core.errors import PeerupError
from app.core.ids.names import validate_service_name
from app.core.ids.netaddr import format_host_port, parse_host_port
from app.core.status import (
    ForwardChanged,
    ForwardInfo,
    ForwardState,
    PingResult,
    PingStats,
)

_MAX_PINGS_PER_CALL = 1000
_CLOSE_TIMEOUT = 5.0


def _announce(message: str) -> None:
    click.echo(message, err=True)


def _uncancel() -> None:
    """Accept the cancellation Ctrl+C delivered, so the command can finish cleanly."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()


class DurationType(click.ParamType[float, object]):
    """A duration: ``1s``, ``500ms``, ``2m`` or a plain number of seconds."""

    name = "duration"
    _RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m)?\s*$")

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        """Parse ``value`` into seconds.

        Returns:
            The duration in seconds.
        """
        if isinstance(value, int | float):
            return float(value)
        match = self._RE.match(str(value))
        if match is None:
            self.fail(f"{value!r} is not a duration (for example 1s, 500ms, 2m)", param, ctx)
        number = float(match.group(1))
        unit = match.group(2) or "s"
        return number * {"ms": 0.001, "s": 1.0, "m": 60.0}[unit]


def listen_address(text: str) -> str:
    """Turn ``2222`` or ``host:port`` into ``host:port`` (the host defaults to 127.0.0.1)."""
    host, port = parse_host_port(text, default_host="127.0.0.1")
    return format_host_port(host, port)


# ---- resolve -------------------------------------------------------------------------------------


@click.command()
@click.argument("name")
@json_option
@config_option()
def resolve(name: str, as_json: bool) -> int:
    """Show the peer ID behind NAME (from names: in the config, or a peer ID itself)."""
    resolved = resolve_peer(load_cli_config(), name)
    if as_json:
        click.echo(render.dumps(resolved))
    else:
        click.echo(f"{resolved.name} → {resolved.peer_id}")
    return 0


# ---- proxy ---------------------------------------------------------------------------------------


@click.command()
@click.argument("peer")
@click.argument("service_name", metavar="SERVICE")
@click.argument("listen", metavar="LOCAL-PORT|HOST:PORT")
@config_option()
def proxy(peer: str, service_name: str, listen: str) -> int:
    """Forward a local TCP port to SERVICE on PEER until Ctrl+C.

    Uses the running daemon, or starts a private local node if none runs.
    """
    config = load_cli_config()
    resolved = resolve_peer(config, peer)
    validate_service_name(service_name)
    address = listen_address(listen)
    config_path = state().resolved_config_path
    return run_async(
        _proxy(daemon_endpoint(), config_path, resolved.peer_id, service_name, address)
    )


async def _proxy(
    endpoint: ApiEndpoint, config_path: Path, peer_id: str, service_name: str, listen: str
) -> int:
    async with open_any_client(endpoint, config_path, announce=_announce) as client:
        forward = await client.open_forward(peer_id, service_name, listen)
        line = _CounterLine(forward)
        try:
            with stop_on_termination():
                click.echo(render.render_forward_line(forward))
                click.echo("Press Ctrl+C to stop.", err=True)
                return await _watch_forward(client, forward.id, line)
        except asyncio.CancelledError:
            _uncancel()
            return int(ExitCode.OK)
        finally:
            line.end()
            final = await _final_state(client, forward.id)
            with contextlib.suppress(PeerupError, OSError, TimeoutError):
                await asyncio.wait_for(client.close_forward(forward.id), _CLOSE_TIMEOUT)
            click.echo(render.render_forward_totals(final or line.last))
            click.echo(f"Closed forward {forward.listen_address}.", err=True)


async def _final_state(client: LocalClient, forward_id: str) -> ForwardInfo | None:
    """The forward's counters as the node has them now (the last event may be up to a second
    old), or None when the node cannot say (it stopped, or closed the forward itself)."""
    with contextlib.suppress(PeerupError, OSError, TimeoutError):
        forwards = await asyncio.wait_for(client.forwards(), _CLOSE_TIMEOUT)
        return next((f for f in forwards if f.id == forward_id), None)
    return None


class _CounterLine:
    """The forward's live counters: redrawn in place on a terminal, else a line per change.

    The node publishes a forward's counters at most about once a second, so every change is
    shown as it comes; the last one shown is kept for the final line.
    """

    def __init__(self, forward: ForwardInfo) -> None:
        self._tty = sys.stdout.isatty()
        self._open = False
        self._text = ""
        self.last = forward

    def show(self, forward: ForwardInfo) -> None:
        self.last = forward
        text = render.render_forward_counters(forward)
        if text == self._text:
            return
        self._text = text
        if self._tty:
            click.echo("\r\x1b[K" + text, nl=False)
            self._open = True
        else:
            click.echo(text)

    def end(self) -> None:
        if self._open:
            click.echo()
            self._open = False


async def _watch_forward(client: LocalClient, forward_id: str, line: _CounterLine) -> int:
    """Show the forward's counters from the watch stream until it closes or Ctrl+C.

    The watch starts with a snapshot taken after the forward opened, so nothing is missed; the
    node publishes counters about once a second while bytes move, and once more (rates at 0)
    after the last byte.
    """
    line.show(line.last)
    async for item in client.watch():
        if isinstance(item, Snapshot):
            # The first state, or a fresh one after this client fell behind: a forward that is
            # no longer listed was closed meanwhile.
            current = next(
                (f for f in item.forwards if f.id == forward_id),
                dataclasses.replace(line.last, state=ForwardState.CLOSED),
            )
        elif (
            isinstance(item, WatchEvent)
            and isinstance(item.event, ForwardChanged)
            and item.event.forward.id == forward_id
        ):
            current = item.event.forward
        else:
            continue
        if current.state is ForwardState.FAILED:
            line.end()
            line.last = current
            raise PeerupError(f"the forward failed: {current.last_error or 'unknown error'}")
        if current.state is ForwardState.CLOSED:
            line.end()
            line.last = current
            click.echo("The forward was closed by the node.", err=True)
            return int(ExitCode.FAILED)
        line.show(current)
    line.end()
    raise PeerupError("the local node stopped", hint="Start it again and retry.")


# ---- ping ----------------------------------------------------------------------------------------


@click.command()
@click.argument("peer")
@click.option(
    "-c",
    "-n",
    "--count",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Number of pings; 0 pings until Ctrl+C.",
)
@click.option(
    "--interval",
    type=DurationType(),
    default="1s",
    show_default=True,
    help="Time between pings (1s, 500ms, …).",
)
@json_option
@config_option()
def ping(peer: str, count: int, interval: float, as_json: bool) -> int:
    """Ping PEER (a name or peer ID) over libp2p and show round-trip times and paths."""
    if not 0.01 <= interval <= 60:
        raise click.BadParameter("must be between 10ms and 60s", param_hint="--interval")
    config = load_cli_config()
    resolved = resolve_peer(config, peer)
    label = peer if resolved.source == "names" else (peer_name(config, resolved.peer_id) or peer)
    return run_async(
        _ping(
            daemon_endpoint(),
            state().resolved_config_path,
            label,
            resolved.peer_id,
            count=count,
            interval=interval,
            as_json=as_json,
        )
    )


async def _ping(
    endpoint: ApiEndpoint,
    config_path: Path,
    target: str,
    peer_id: str,
    *,
    count: int,
    interval: float,
    as_json: bool,
) -> int:
    async with open_any_client(endpoint, config_path, announce=_announce) as client:
        if not as_json:
            await _echo_verification(client, target, peer_id)
            click.echo(render.render_ping_header(target, peer_id))
        results: list[PingResult] = []
        try:
            await _ping_loop(client, peer_id, count, interval, results, as_json=as_json)
        except asyncio.CancelledError:
            _uncancel()
        stats = PingStats.from_results(results)
        if as_json:
            click.echo(render.dumps(stats, compact=True))
        else:
            for line in render.render_ping_stats(target, stats):
                click.echo(line)
        if stats.sent and not stats.received:
            return int(ExitCode.UNREACHABLE)
        return int(ExitCode.OK)


async def _ping_loop(
    client: LocalClient,
    peer_id: str,
    count: int,
    interval: float,
    results: list[PingResult],
    *,
    as_json: bool,
) -> None:
    """Ping ``count`` times (0: forever) in calls of at most 1000 pings, numbering them 1, 2, …"""
    remaining = count
    while count == 0 or remaining > 0:
        batch = 1 if count == 0 else min(remaining, _MAX_PINGS_PER_CALL)
        async for result in client.ping(peer_id, count=batch, interval=interval):
            numbered = dataclasses.replace(result, seq=len(results) + 1)
            results.append(numbered)
            if as_json:
                click.echo(render.dumps(render.ping_result_json(numbered), compact=True))
            else:
                click.echo(render.render_ping_result(numbered))
        remaining -= batch
        if count == 0 or remaining > 0:
            await asyncio.sleep(interval)


# ---- traceroute ----------------------------------------------------------------------------------


@click.command()
@click.argument("peer")
@json_option
@config_option()
def traceroute(peer: str, as_json: bool) -> int:
    """Show the path to PEER hop by hop: direct, or through a relay, with round-trip times.

    Uses the running daemon, or starts a private local node if none runs.
    """
    config = load_cli_config()
    resolved = resolve_peer(config, peer)
    label = peer if resolved.source == "names" else (peer_name(config, resolved.peer_id) or peer)
    return run_async(
        _traceroute(
            daemon_endpoint(), state().resolved_config_path, label, resolved.peer_id, as_json
        )
    )


async def _echo_verification(client: LocalClient, target: str, peer_id: str) -> None:
    """Print the peer's [VERIFIED]/[UNVERIFIED] line, as ping and traceroute start with."""
    entries = await client.auth_entries()
    entry = next((e for e in entries if e.peer_id == peer_id), None)
    click.echo(render.render_verification_line(target, entry))


async def _traceroute(
    endpoint: ApiEndpoint, config_path: Path, target: str, peer_id: str, as_json: bool
) -> int:
    async with open_any_client(endpoint, config_path, announce=_announce) as client:
        if not as_json:
            await _echo_verification(client, target, peer_id)
        result = await client.traceroute(peer_id)
    # The daemon was asked by peer ID; say the target as the text does (the name, if any).
    result = dataclasses.replace(result, target=target)
    if as_json:
        click.echo(render.dumps(result))
    else:
        for line in render.render_traceroute(target, result):
            click.echo(line)
    last = result.hops[-1] if result.hops else None
    if last is None or last.error is not None or last.rtt_ms is None:
        return int(ExitCode.UNREACHABLE)
    return int(ExitCode.OK)
