"""A relay dies (SIGTERM or SIGKILL) under forwarded connections that ride circuits through it.

The relay is a real ``peerup daemon`` process; home (serving an echo) and laptop are nodes in this
process whose only way to each other is that relay. Many connections stream through laptop's
forward at once, each writing and reading its echo all the time. When the relay process ends,
every one of them must end at once with an error (a reset of the local TCP connection): never a
clean end of data (a silent truncation) and never a hang with no byte (soak finding 2: the soak's
stalls turned out to be connections that had not carried a byte yet, waiting for the path to come
back; this pins down that carrying ones are cut at once). Run with ``-s`` to see the times.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.engine.node import Node, open_node
from tests.helpers.daemons import DaemonProcess, start_daemon
from tests.helpers.nodes import free_port, make_node_dir, relayed_pair_dirs, serve_echo

pytestmark = [pytest.mark.trio, pytest.mark.e2e, pytest.mark.slow]

CONNECTIONS = 24
CHUNK = 2048  # bytes each connection writes every TICK s (~100 KB/s each)
TICK = 0.02
END_BOUND = 3.0  # seconds from the relay process's exit until every connection has ended
TCP_CLOSE_WAIT = 8  # the peer sent FIN; after a reset the state is CLOSE (7)
WATCH_LIMIT = 12.0  # how long the test watches before it calls a connection hung


@dataclass
class Conn:
    """What one streaming connection saw."""

    received: int = 0
    ended_at: float | None = None
    outcome: str = "open"  # "reset" (an error), "eof" (a clean end: a truncation), "open" (hung)


async def _stream(port: int, conn: Conn, task_status=trio.TASK_STATUS_IGNORED) -> None:  # type: ignore[no-untyped-def]
    tcp = await trio.open_tcp_stream("127.0.0.1", port)
    task_status.started()
    payload = bytes(range(256)) * (CHUNK // 256)

    async def send() -> None:
        with contextlib.suppress(trio.BrokenResourceError, OSError):  # the receiver tells why
            for _ in range(int(60 / TICK)):  # bounded: a minute at most
                await tcp.send_all(payload)
                await trio.sleep(TICK)

    async with tcp, trio.open_nursery() as nursery:
        nursery.start_soon(send)
        try:
            while data := await tcp.receive_some(1 << 16):
                conn.received += len(data)
            # The kernel reports a reset once, to whichever call comes first: when the sender
            # met it, this receive reads an end of data. The socket's state tells them apart.
            conn.outcome = "eof" if _tcp_state(tcp) == TCP_CLOSE_WAIT else "reset"
        except (trio.BrokenResourceError, OSError):
            conn.outcome = "reset"
        conn.ended_at = time.monotonic()
        nursery.cancel_scope.cancel()


def _tcp_state(tcp: trio.SocketStream) -> int:
    """The kernel's TCP state of ``tcp`` (Linux ``tcp_info.tcpi_state``)."""
    return tcp.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]


def _reserved(node: Node) -> bool:
    return any(r.reserved for r in node.status().relays)


async def _until(condition: Callable[[], bool], limit: float) -> None:
    """Poll ``condition`` every 20 ms for up to ``limit`` s."""
    with trio.fail_after(limit):
        while not condition():  # noqa: ASYNC110 - polls plain state
            await trio.sleep(0.02)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
async def test_relay_death_resets_every_forwarded_connection_at_once(
    tmp_path: Path, sig: signal.Signals
) -> None:
    relay_port = free_port()
    relay_dir = make_node_dir(
        tmp_path,
        "relay",
        listen=f"/ip4/127.0.0.1/tcp/{relay_port}",
        extra="relay_service: {enabled: true}\n",
    )
    relay_addr = f"/ip4/127.0.0.1/tcp/{relay_port}/p2p/{relay_dir.peer_id}"
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        home, laptop = relayed_pair_dirs(
            tmp_path, relay_dir, relay_addr, {"echo": f"127.0.0.1:{echo_port}"}
        )
        relay: DaemonProcess = await trio.to_thread.run_sync(start_daemon, relay_dir)
        try:
            async with (
                open_node(load_config(home.config_path), home.identity) as hnode,
                open_node(load_config(laptop.config_path), laptop.identity) as lnode,
            ):
                await _until(lambda: _reserved(hnode) and _reserved(lnode), 30)
                fwd = await lnode.open_forward("home", "echo", "127.0.0.1:0")
                port = int(fwd.listen_address.rsplit(":", 1)[1])
                conns = [Conn() for _ in range(CONNECTIONS)]
                async with trio.open_nursery() as load:
                    for conn in conns:
                        await load.start(_stream, port, conn)
                    # Every connection is spliced and carrying bytes both ways.
                    await _until(lambda: all(c.received > 4 * CHUNK for c in conns), 30)
                    assert all(c.outcome == "open" for c in conns)
                    relay.proc.send_signal(sig)
                    await trio.to_thread.run_sync(relay.proc.wait, 15)
                    exited = time.monotonic()
                    with trio.move_on_after(WATCH_LIMIT):
                        await _until(lambda: all(c.ended_at is not None for c in conns), 60)
                    load.cancel_scope.cancel()
        finally:
            relay.stop()
        nursery.cancel_scope.cancel()
    took = sorted(round(c.ended_at - exited, 2) for c in conns if c.ended_at is not None)
    outcomes = {o: sum(c.outcome == o for c in conns) for o in ("reset", "eof", "open")}
    # Negative: ended before the process was gone (a relay shutting down closes its circuits).
    line = f"{sig.name}: {outcomes}; ended (s after the relay exited): {took}"
    print(line)
    assert outcomes["reset"] == CONNECTIONS, line
    assert took[-1] <= END_BOUND, line
