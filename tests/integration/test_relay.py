"""Three real nodes on loopback: a relay, and two peers that only reach each other through it."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
import trio
from libp2p.abc import INetStream

from app.core.config import AutoRelayConfig, load_config
from app.core.status import PathType
from app.engine.node import open_node
from app.engine.relay import RelayLimits
from tests.helpers.nodes import (
    ELSEWHERE,
    exchange,
    make_node_dir,
    relayed_pair_dirs,
    serve_echo,
    sha256,
)

pytestmark = pytest.mark.trio


def _echo(port: int) -> dict[str, str]:
    return {"echo": f"127.0.0.1:{port}"}


async def _wait_reserved(node) -> None:
    with trio.fail_after(20):
        while not node.status().circuit_addresses:  # noqa: ASYNC110 - polls the node's status
            await trio.sleep(0.1)


async def test_forward_through_relay_only(tmp_path: Path) -> None:
    relay_dir = make_node_dir(tmp_path, "relay", extra="relay_service: {enabled: true}\n")
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
            relay_addr = relay.status().listen_addresses[0]
            home, laptop = relayed_pair_dirs(tmp_path, relay_dir, relay_addr, _echo(echo_port))
            async with open_node(load_config(home.config_path), home.identity) as hnode:
                await _wait_reserved(hnode)
                assert hnode.status().relays[0].reserved
                async with open_node(load_config(laptop.config_path), laptop.identity) as lnode:
                    # No direct address is known: the relay is the only way.
                    path = await lnode.connect("home")
                    assert path.path_type is PathType.RELAYED
                    assert relay.peer_id in path.address
                    results = [r async for r in lnode.ping("home", count=2, interval=0.05)]
                    assert [r.path for r in results] == [PathType.RELAYED, PathType.RELAYED]
                    fwd = await lnode.open_forward("home", "echo", "127.0.0.1:0")
                    port = int(fwd.listen_address.rsplit(":", 1)[1])
                    payload = os.urandom(20 << 20)
                    with trio.fail_after(120):
                        assert sha256(await exchange(port, payload)) == sha256(payload)
                    # The serving side sees the same relayed path, labelled with the relay's ID.
                    server_paths = {p.peer_id: p for p in hnode.paths()}
                    assert server_paths[laptop.peer_id].path_type is PathType.RELAYED
                    assert relay.peer_id in server_paths[laptop.peer_id].address
        nursery.cancel_scope.cancel()


async def test_unauthorized_peer_cannot_use_a_gated_relay(tmp_path: Path) -> None:
    relay_dir = make_node_dir(tmp_path, "relay", extra="relay_service: {enabled: true}\n")
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        stranger = make_node_dir(
            tmp_path, "stranger", extra=f"relay: {{addresses: ['{relay_addr}']}}\n"
        )
        async with open_node(load_config(stranger.config_path), stranger.identity) as snode:
            with trio.fail_after(15):
                while not snode.status().relays[0].error:  # noqa: ASYNC110 - polls the status
                    await trio.sleep(0.1)
            assert not snode.status().relays[0].reserved
            assert snode.status().circuit_addresses == ()


async def test_traceroute_grades_and_relay_state(tmp_path: Path) -> None:
    """Traceroute shows the relay hop; peers exchange reachability grades on connect."""
    relay_dir = make_node_dir(tmp_path, "relay", extra="relay_service: {enabled: true}\n")
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        extra = f"relay: {{addresses: ['{relay_addr}']}}\n"
        home = make_node_dir(tmp_path, "home", extra=extra, hole_punching=False)
        laptop = make_node_dir(
            tmp_path,
            "laptop",
            names={"home": home.peer_id},
            extra=extra + ELSEWHERE,  # no DHT shared with home: the path stays relayed
            hole_punching=False,
        )
        for a, b in ((home, laptop), (laptop, home), (relay_dir, home), (relay_dir, laptop)):
            a.authorize(b)
        async with open_node(load_config(home.config_path), home.identity) as hnode:
            await _wait_reserved(hnode)
            async with open_node(load_config(laptop.config_path), laptop.identity) as lnode:
                with trio.fail_after(20):
                    while lnode.status().reachability is None:  # noqa: ASYNC110 - polls the status
                        await trio.sleep(0.1)
                result = await lnode.traceroute("home")
                assert result.path is PathType.RELAYED
                assert [h.peer_id for h in result.hops] == [relay.peer_id, home.peer_id]
                assert all(h.rtt_ms is not None and h.error is None for h in result.hops)
                relay_hop, home_hop = result.hops
                assert relay_hop.name == "relay"  # not in names: (its agent version is no hop name)
                assert "/p2p/" not in relay_hop.address  # the ID is shown in its own column
                assert home_hop.address.startswith(
                    f"{relay_hop.address}/p2p/{relay.peer_id}/p2p-circuit"
                )
                # A path's RTT is the last measured on its connection: here traceroute's.
                (home_path,) = [p for p in lnode.paths() if p.peer_id == home.peer_id]
                assert home_path.path_type is PathType.RELAYED
                assert home_path.rtt_ms == home_hop.rtt_ms
                # Each side learns the other's grade over /peerup/reachability/1.0.0.
                with trio.fail_after(20):
                    while True:
                        peer = next(p for p in lnode.peers() if p.peer_id == home.peer_id)
                        if peer.reachability is not None:
                            break
                        await trio.sleep(0.1)
                assert peer.reachability == hnode.status().reachability
                assert peer.expected_path is not None
                # The count agrees with the peer list; the relay is counted on its own.
                status = lnode.status()
                assert [p.peer_id for p in lnode.peers() if p.connected] == [home.peer_id]
                assert (status.connected_peers, status.connected_others) == (1, 1)


async def test_dialback_confirms_a_public_node(tmp_path: Path) -> None:
    """A node the relay can dial back on a fresh connection is graded A."""
    relay_dir = make_node_dir(tmp_path, "relay", extra="relay_service: {enabled: true}\n")
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        node_dir = make_node_dir(
            tmp_path, "node", extra=f"relay: {{addresses: ['{relay_addr}']}}\n"
        )
        relay_dir.authorize(node_dir)
        node_dir.authorize(relay_dir)
        async with open_node(load_config(node_dir.config_path), node_dir.identity) as node:
            with trio.fail_after(20):
                while True:
                    reach = node.status().reachability
                    if reach is not None and reach.grade == "A":
                        break
                    await trio.sleep(0.2)
            assert reach.reason_code
            # Every peer is a relay: a publicly dialable node relays for its authorized peers,
            # with the small limits of relay_service.auto, not those of a relay service.
            assert node.status().relay_service
            assert node._relay_hop is not None
            assert node._relay_hop.limits == RelayLimits.from_config(AutoRelayConfig())
            assert relay._relay_hop is not None
            assert relay._relay_hop.limits == RelayLimits()


async def _pump(stream: INetStream, size: int) -> int:
    """Send ``size`` random bytes on a stream of the echo service; how many came back."""
    received = 0

    async def send() -> None:
        with contextlib.suppress(Exception):  # the circuit is cut: the write fails
            for _ in range(size // (64 << 10)):
                await stream.write(os.urandom(64 << 10))
            await stream.close_write()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(send)
        with contextlib.suppress(Exception):  # cut: a reset, or the end
            while data := await stream.read(1 << 20):
                received += len(data)
    return received


async def test_circuit_limits_and_relay_shutdown_mid_circuit(tmp_path: Path) -> None:
    """A circuit past its data limit is cut (the client sees a short echo, not a hang); a forward
    is kept off such a circuit (direct, or refused at once, plainly); a relay that stops while a
    circuit carries data stops cleanly (no error escapes its nursery)."""
    relay_dir = make_node_dir(
        tmp_path, "relay", extra="relay_service: {enabled: true, session_data_limit: 2MB}\n"
    )
    stop_relay = trio.Event()

    async def run_relay(task_status=trio.TASK_STATUS_IGNORED) -> None:
        async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
            task_status.started(relay.status().listen_addresses[0])
            await stop_relay.wait()

    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        relay_addr = await nursery.start(run_relay)
        home, laptop = relayed_pair_dirs(tmp_path, relay_dir, relay_addr, _echo(echo_port))
        async with open_node(load_config(home.config_path), home.identity) as hnode:
            await _wait_reserved(hnode)
            async with open_node(load_config(laptop.config_path), laptop.identity) as lnode:
                assert (await lnode.connect("home")).path_type is PathType.RELAYED
                # 4 MB each way through a circuit allowed 2 MB: cut, well short.
                with trio.fail_after(60):
                    stream = await lnode.dialer.open_service_stream(home.peer_id, "echo")
                    assert await _pump(stream, 4 << 20) < 4 << 20
                    flowing = await lnode.dialer.open_service_stream(home.peer_id, "echo")
                # A forward keeps off a circuit whose limit is tight (app.engine.limitguard): on
                # loopback it goes direct, or its connection is refused before any byte goes,
                # with the plain error; never cut midway.
                fwd = await lnode.open_forward("home", "echo", "127.0.0.1:0")
                port = int(fwd.listen_address.rsplit(":", 1)[1])
                payload = os.urandom(4 << 20)
                with trio.fail_after(30):
                    echoed = await exchange(port, payload)
                if echoed != payload:
                    assert echoed == b"", f"cut midway after {len(echoed)} B"
                    (info,) = lnode.forwards()
                    assert info.last_error_code == "relay-limited", info.last_error
                # Stop the relay while bytes flow through a circuit: the exchange ends (short)
                # and the relay's own nursery exits without an error.
                with trio.fail_after(60):
                    async with trio.open_nursery() as flows:
                        flows.start_soon(_pump, flowing, 16 << 20)
                        await trio.sleep(0.3)
                        stop_relay.set()
        nursery.cancel_scope.cancel()
