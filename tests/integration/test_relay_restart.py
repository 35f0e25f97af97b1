"""A relay daemon restarts (SIGTERM, then SIGKILL; same port, same identity) under two live nodes.

The relay is a real ``peerup daemon`` process; home (serving an echo) and laptop are nodes in
this process whose only way to each other is that relay. While the relay is gone, home's status
must never claim a reservation; within 5 s of the relay accepting connections again home must
hold a reservation again, and a new connection through laptop's forward must work. The laptop
reconnects to the relay for its own dial first: it must re-reserve all the same. Run with ``-s``
to see the recovery times.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import trio
from libp2p.peer.id import ID

from app.core.config import load_config
from app.engine.node import Node, open_node
from tests.helpers.daemons import DaemonProcess, start_daemon
from tests.helpers.nodes import exchange, free_port, make_node_dir, relayed_pair_dirs, serve_echo

pytestmark = [pytest.mark.trio, pytest.mark.e2e, pytest.mark.slow]

RECOVERY_BOUND = 5.0  # seconds from the relay accepting connections again
NOTICE_GRACE = 0.5  # seconds from the relay process's exit until the node must have noticed


def _reserved(node: Node) -> bool:
    return any(r.reserved for r in node.status().relays)


async def _until(condition: Callable[[], bool], limit: float) -> float:
    """Poll ``condition`` every 20 ms for up to ``limit`` s; the monotonic time it first held."""
    with trio.fail_after(limit):
        while not condition():  # noqa: ASYNC110 - polls the node's status
            await trio.sleep(0.02)
    return time.monotonic()


async def _accepting(port: int) -> bool:
    try:
        with trio.fail_after(0.5):
            stream = await trio.open_tcp_stream("127.0.0.1", port)
    except (OSError, trio.TooSlowError):
        return False
    await stream.aclose()
    return True


async def _forward_works(port: int) -> bool:
    payload = os.urandom(64 << 10)
    try:
        with trio.fail_after(3):
            return await exchange(port, payload) == payload
    except (OSError, trio.TooSlowError, trio.BrokenResourceError):
        return False


async def test_relay_restart_recovers_reservations_and_forwards_in_seconds(
    tmp_path: Path,
) -> None:
    relay_port = free_port()
    relay_dir = make_node_dir(
        tmp_path,
        "relay",
        listen=f"/ip4/127.0.0.1/tcp/{relay_port}",
        extra="relay_service: {enabled: true}\n",
    )
    relay_addr = f"/ip4/127.0.0.1/tcp/{relay_port}/p2p/{relay_dir.peer_id}"
    results: list[str] = []
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
                fwd_port = int(fwd.listen_address.rsplit(":", 1)[1])
                assert await _forward_works(fwd_port)

                for sig in (signal.SIGTERM, signal.SIGKILL):
                    # Home's status, sampled every 20 ms through the outage.
                    samples: list[tuple[float, bool]] = []

                    async def sample(
                        into: list[tuple[float, bool]], task_status=trio.TASK_STATUS_IGNORED
                    ) -> None:  # type: ignore[no-untyped-def]
                        task_status.started()
                        for _ in range(3000):  # at most a minute
                            into.append((time.monotonic(), _reserved(hnode)))
                            await trio.sleep(0.02)

                    async with trio.open_nursery() as watch:
                        await watch.start(sample, samples)
                        relay.proc.send_signal(sig)
                        await trio.to_thread.run_sync(relay.proc.wait, 15)
                        exited = time.monotonic()
                        noticed = await _until(lambda: not _reserved(hnode), 5)
                        relay = await trio.to_thread.run_sync(start_daemon, relay_dir)
                        with trio.fail_after(30):
                            while not await _accepting(relay_port):  # noqa: ASYNC110 - a port
                                await trio.sleep(0.02)
                        back = time.monotonic()
                        reserved = await _until(lambda: _reserved(hnode), 30)
                        with trio.fail_after(30):
                            while not await _forward_works(fwd_port):  # noqa: ASYNC110
                                await trio.sleep(0.05)
                        forwarded = time.monotonic()
                        laptop_reserved = await _until(lambda: _reserved(lnode), 30)
                        watch.cancel_scope.cancel()
                    line = (
                        f"{sig.name}: noticed {noticed - exited:.2f} s after the relay exited; "
                        f"relay down {back - exited:.2f} s; after it was back: home reserved in "
                        f"{reserved - back:.2f} s, forward worked in {forwarded - back:.2f} s, "
                        f"laptop reserved in {laptop_reserved - back:.2f} s"
                    )
                    results.append(line)
                    print(line)
                    assert noticed - exited <= NOTICE_GRACE, line
                    claimed = [t for t, r in samples if exited + NOTICE_GRACE <= t <= back and r]
                    assert not claimed, f"reserved claimed while the relay was down: {line}"
                    assert reserved - back <= RECOVERY_BOUND, line
                    assert forwarded - back <= RECOVERY_BOUND, line
                    assert laptop_reserved - back <= RECOVERY_BOUND, line
        finally:
            relay.stop()
        nursery.cancel_scope.cancel()
    assert len(results) == 2


async def test_a_removed_relay_is_hung_up_on_and_leaves_the_list(tmp_path: Path) -> None:
    port = free_port()
    relay_dir = make_node_dir(
        tmp_path,
        "relay",
        listen=f"/ip4/127.0.0.1/tcp/{port}",
        extra="relay_service: {enabled: true}\n",
    )
    relay_addr = f"/ip4/127.0.0.1/tcp/{port}/p2p/{relay_dir.peer_id}"
    node_dir = make_node_dir(tmp_path, "node", extra=f"relay: {{addresses: ['{relay_addr}']}}\n")
    relay_dir.authorize(node_dir)
    async with (
        open_node(load_config(relay_dir.config_path), relay_dir.identity),
        open_node(load_config(node_dir.config_path), node_dir.identity) as node,
    ):
        await _until(lambda: _reserved(node), 20)
        relay_id = ID.from_base58(relay_dir.peer_id)
        network = node._require_host().get_network()
        assert network.get_connections(relay_id)
        node.remove_relay(relay_dir.peer_id)
        assert not node.status().relays
        # Nothing else needs it (no pairing group, not a peer, no circuit): hung up on.
        await _until(lambda: not network.get_connections(relay_id), 5)
