"""The path of a connected peer carries an RTT: the liveness probe's (direct and relayed) or a
user's ping; a relayed probe that goes unanswered closes nothing."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio
from libp2p.abc import INetConn, INetStream
from libp2p.host.ping import ID as LIBP2P_PING_ID
from libp2p.peer.id import ID
from trio.testing import MockClock

from app.core.config import load_config
from app.core.status import PathType, RttChanged
from app.engine import compat
from app.engine.bus import Numbered
from app.engine.node import Node, open_node
from app.engine.pathwatch import (
    PROBE_INTERVAL,
    RELAYED_FIRST_PROBE,
    SCAN_INTERVAL,
    STALE_AFTER_PROBES,
    PathWatch,
    probe,
)
from tests.helpers.nodes import make_node_dir, open_connected_pair, relayed_pair_dirs

pytestmark = pytest.mark.trio


async def _wait_rtt(node: Node, peer: str, within: float = PROBE_INTERVAL + 8) -> float:
    with trio.fail_after(within):
        while True:
            path = next((p for p in node.paths() if p.peer_id == peer), None)
            if path is not None and path.rtt_ms is not None:
                return path.rtt_ms
            await trio.sleep(0.1)


def _host(node: Node) -> Any:
    host = node._host
    assert host is not None
    return host


def _connections(node: Node, peer: str) -> list[INetConn]:
    return list(_host(node).get_network().get_connections(ID.from_base58(peer)))


@contextlib.asynccontextmanager
async def _open_relayed_pair(tmp_path: Path) -> AsyncIterator[tuple[Node, Node, Node]]:
    """A relay, and home and laptop that reach each other only through it (hole punching off):
    (relay, home, laptop), not connected to each other yet."""
    relay_dir = make_node_dir(tmp_path, "relay", extra="relay_service: {enabled: true}\n")
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        home, laptop = relayed_pair_dirs(tmp_path, relay_dir, relay_addr)
        async with open_node(load_config(home.config_path), home.identity) as hnode:
            with trio.fail_after(20):
                while not hnode.status().circuit_addresses:  # noqa: ASYNC110 - polls the status
                    await trio.sleep(0.1)
            async with open_node(load_config(laptop.config_path), laptop.identity) as lnode:
                yield relay, hnode, lnode


async def test_direct_path_gets_the_liveness_pings_rtt(tmp_path: Path) -> None:
    async with (
        open_connected_pair(tmp_path) as (anode, bnode, path),
        bnode.subscribe() as events,
    ):
        assert path.path_type is PathType.DIRECT
        assert path.rtt_ms is None  # nothing measured yet
        # No ping asked for: the liveness probe (every PROBE_INTERVAL s) measures it.
        a_id, b_id = anode.status().peer_id, bnode.status().peer_id
        rtt = await _wait_rtt(bnode, a_id)
        assert 0 < rtt < 1000
        # Front ends were told (the first RTT of a path always is).
        told: float | None = None
        with trio.fail_after(5):
            async for item in events:
                assert isinstance(item, Numbered)
                if isinstance(item.event, RttChanged) and item.event.peer_id == a_id:
                    told = item.event.rtt_ms
                    break
        assert told is not None
        assert 0 < told < 1000
        assert 0 < await _wait_rtt(anode, b_id) < 1000
        peer = next(p for p in bnode.peers() if p.peer_id == a_id)
        assert peer.path is not None
        assert peer.path.rtt_ms is not None


async def test_relayed_path_gets_an_rtt_without_a_ping_and_stays_relayed(tmp_path: Path) -> None:
    async with _open_relayed_pair(tmp_path) as (relay, hnode, lnode):
        home_id, laptop_id = hnode.status().peer_id, lnode.status().peer_id
        path = await lnode.connect("home")
        assert path.path_type is PathType.RELAYED
        assert path.rtt_ms is None  # nothing measured yet
        (conn,) = _connections(lnode, home_id)
        # No ping or traceroute: the relayed probe's first one comes RELAYED_FIRST_PROBE s after
        # the connection appears (seen within SCAN_INTERVAL s); both sides probe.
        within = RELAYED_FIRST_PROBE + SCAN_INTERVAL + 5
        assert 0 < await _wait_rtt(lnode, home_id, within) < 1000
        assert 0 < await _wait_rtt(hnode, laptop_id, within) < 1000
        # The probes ran on the one relayed connection there was: no dial, no upgrade.
        assert _connections(lnode, home_id) == [conn]
        assert compat.is_relayed(conn)
        (home_conn,) = _connections(hnode, laptop_id)
        assert compat.is_relayed(home_conn)
        for node, peer in ((lnode, home_id), (hnode, laptop_id)):
            (shown,) = [p for p in node.paths() if p.peer_id == peer]
            assert shown.path_type is PathType.RELAYED
            assert relay.peer_id in shown.address
        assert lnode.path_tracker.statistics()["relayed_probes"] >= 1
        # status's and peers' view carry the same path and RTT.
        peer = next(p for p in lnode.peers() if p.peer_id == home_id)
        assert peer.path is not None
        assert peer.path.path_type is PathType.RELAYED
        assert peer.path.rtt_ms is not None


async def test_unanswered_relayed_probe_forgets_the_rtt_and_closes_nothing(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    async with _open_relayed_pair(tmp_path) as (_relay, hnode, lnode):
        home_id = hnode.status().peer_id
        await lnode.connect("home")
        (conn,) = _connections(lnode, home_id)
        # Home's ping handler swallows pings while `stalled`: the connection stays up,
        # the probe's stream is accepted and never answered (a relay or peer that is too slow).
        handlers = _host(hnode).get_mux().handlers
        answer = handlers[LIBP2P_PING_ID]
        stalled = [False]

        async def maybe_answer(stream: INetStream) -> None:
            if not stalled[0]:
                await answer(stream)
                return
            with contextlib.suppress(Exception):  # the prober resets the stream
                while await stream.read(1024):
                    pass

        _host(hnode).set_stream_handler(LIBP2P_PING_ID, maybe_answer)
        dead: list[ID] = []

        async def on_dead(peer: ID, _conn: INetConn) -> None:
            dead.append(peer)

        told: list[float | None] = []

        def on_rtt(peer: str, rtt_ms: float | None) -> None:
            if peer == home_id:
                told.append(rtt_ms)

        # A second watch on the laptop with short intervals, next to the node's own.
        watch = PathWatch(
            _host(lnode),
            on_dead,
            relayed_first=0.1,
            relayed_interval=0.3,
            relayed_timeout=0.5,
            on_rtt=on_rtt,
        )
        async with trio.open_nursery() as nursery:
            await nursery.start(watch.run)
            with trio.fail_after(10):
                while watch.last_rtt_ms(conn) is None:  # noqa: ASYNC110 - polls the watch
                    await trio.sleep(0.05)
            stalled[0] = True
            with trio.fail_after(10):
                while watch.statistics()["relayed_probe_timeouts"] < 2:  # noqa: ASYNC110
                    await trio.sleep(0.05)
            # Unanswered: no RTT shown, but not dead: no fallback, nothing closed or dialled.
            assert watch.last_rtt_ms(conn) is None
            assert dead == []
            assert watch.statistics()["dead_direct_connections"] == 0
            assert _connections(lnode, home_id) == [conn]
            assert not conn.muxed_conn.is_closed
            assert (await lnode.connect("home")).path_type is PathType.RELAYED
            # Answered again: the RTT is back.
            stalled[0] = False
            with trio.fail_after(10):
                while watch.last_rtt_ms(conn) is None:  # noqa: ASYNC110 - polls the watch
                    await trio.sleep(0.05)
            # Front ends were told each time it became known or unknown (no repeats between).
            with trio.fail_after(10):
                while told[-1:] in ([], [None]):  # noqa: ASYNC110 - polls the watch
                    await trio.sleep(0.05)
            known = [k for k, _ in itertools.groupby(rtt is not None for rtt in told)]
            assert known == [True, False, True]
            nursery.cancel_scope.cancel()
        # The relayed connection still carries traffic.
        results = [r async for r in lnode.ping("home", count=1, interval=0)]
        assert results[0].error is None
        assert results[0].path is PathType.RELAYED


async def test_rtt_goes_stale_when_probes_are_answered_with_errors(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    """A direct connection whose peer answers probes with "not supported" is alive (no fallback),
    and its old RTT is no longer shown after STALE_AFTER_PROBES intervals."""
    async with open_connected_pair(tmp_path) as (anode, bnode, _path):
        a_id = anode.status().peer_id
        (conn,) = _connections(bnode, a_id)
        dead: list[ID] = []

        async def on_dead(peer: ID, _conn: INetConn) -> None:
            dead.append(peer)

        interval = 0.2
        watch = PathWatch(_host(bnode), on_dead, interval=interval, timeout=2)
        watch.record_rtt(conn.muxed_conn, await probe(_host(bnode), conn))
        assert watch.last_rtt_ms(conn) is not None
        _host(anode).remove_stream_handler(LIBP2P_PING_ID)
        async with trio.open_nursery() as nursery:
            await nursery.start(watch.run)
            with trio.fail_after(STALE_AFTER_PROBES * interval + 5):
                while watch.last_rtt_ms(conn) is not None:  # noqa: ASYNC110 - polls the watch
                    await trio.sleep(0.05)
            assert watch.statistics()["probes"] >= 1
            nursery.cancel_scope.cancel()
        assert dead == []
        assert _connections(bnode, a_id) == [conn]
