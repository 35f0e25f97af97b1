"""Two real nodes in one trio run, on loopback: forwards, half-close, concurrency, gating."""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.core.errors import AddressInUseError, NotAuthorizedError, PeerUnreachableError
from app.core.status import ConnectionRefused, ForwardChanged, ForwardInfo, ForwardState
from app.engine.node import open_node
from tests.helpers.nodes import exchange, make_node_dir, serve_echo, sha256

pytestmark = pytest.mark.trio


async def _pair(tmp_path: Path, echo_port: int):
    server = make_node_dir(tmp_path, "server", services={"echo": f"127.0.0.1:{echo_port}"})
    client = make_node_dir(tmp_path, "client")
    server.authorize(client)
    client.authorize(server)
    return server, client


async def test_forward_echo_half_close_and_concurrency(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        server, client = await _pair(tmp_path, echo_port)
        async with open_node(load_config(server.config_path), server.identity) as snode:
            addr = snode.status().listen_addresses[0]
            async with open_node(load_config(client.config_path), client.identity) as cnode:
                await cnode.connect(server.peer_id, [addr])
                fwd = await cnode.open_forward(server.peer_id, "echo", "127.0.0.1:0")
                assert fwd.state is ForwardState.LISTENING
                port = int(fwd.listen_address.rsplit(":", 1)[1])

                payload = os.urandom(8 << 20)
                with trio.fail_after(60):
                    assert sha256(await exchange(port, payload)) == sha256(payload)

                results: dict[int, bool] = {}

                async def one(i: int) -> None:
                    data = os.urandom(256 << 10)
                    results[i] = await exchange(port, data) == data

                with trio.fail_after(120):
                    async with trio.open_nursery() as inner:
                        for i in range(50):
                            inner.start_soon(one, i)
                assert len(results) == 50
                assert all(results.values())
                info = cnode.forwards()[0]
                assert info.connections_total == 51
                assert info.bytes_up == info.bytes_down == (8 << 20) + 50 * (256 << 10)
                assert info.errors == 0

                with pytest.raises(AddressInUseError):
                    await cnode.open_forward(server.peer_id, "echo", f"127.0.0.1:{port}")
                await cnode.close_forward(fwd.id)
                assert cnode.forwards() == []
        nursery.cancel_scope.cancel()


async def test_unauthorized_peer_is_refused(tmp_path: Path) -> None:
    server = make_node_dir(tmp_path, "server", services={"echo": "127.0.0.1:9"})
    stranger = make_node_dir(tmp_path, "stranger")
    stranger.authorize(server)  # the stranger trusts the server, not the other way round
    async with open_node(load_config(server.config_path), server.identity) as snode:
        addr = snode.status().listen_addresses[0]
        async with (
            snode.subscribe() as events,
            open_node(load_config(stranger.config_path), stranger.identity) as xnode,
        ):
            with pytest.raises(PeerUnreachableError), trio.fail_after(30):
                await xnode.connect(server.peer_id, [addr])
            with trio.fail_after(10):
                async for item in events:
                    event = item.event
                    if isinstance(event, ConnectionRefused):
                        assert event.peer_id == stranger.peer_id
                        break
            assert snode.paths() == []


async def test_forward_to_unauthorized_peer_is_refused_locally(tmp_path: Path) -> None:
    client = make_node_dir(tmp_path, "client")
    other = make_node_dir(tmp_path, "other")
    async with open_node(load_config(client.config_path), client.identity) as cnode:
        with pytest.raises(NotAuthorizedError):
            await cnode.open_forward(other.peer_id, "echo", "127.0.0.1:0")


async def test_service_down_closes_client_and_counts_error(tmp_path: Path) -> None:
    # Port 9 (discard) is closed on loopback: the service is down.
    server, client = await _pair(tmp_path, 9)
    async with open_node(load_config(server.config_path), server.identity) as snode:
        addr = snode.status().listen_addresses[0]
        async with open_node(load_config(client.config_path), client.identity) as cnode:
            await cnode.connect(server.peer_id, [addr])
            fwd = await cnode.open_forward(server.peer_id, "echo", "127.0.0.1:0")
            port = int(fwd.listen_address.rsplit(":", 1)[1])
            # Closed, or reset when our close overtakes the unread "hello": both tell the client.
            with trio.fail_after(20):
                assert await exchange(port, b"hello") == b""
            with trio.fail_after(5):
                while snode.services()[0].errors == 0:  # noqa: ASYNC110 - polls another node's counter
                    await trio.sleep(0.05)
            assert snode.services()[0].errors >= 1


async def test_ping_both_protocols_and_hot_reload(tmp_path: Path) -> None:
    server = make_node_dir(tmp_path, "server")
    client = make_node_dir(tmp_path, "client")
    client.authorize(server)
    async with open_node(load_config(server.config_path), server.identity) as snode:
        addr = snode.status().listen_addresses[0]
        async with open_node(load_config(client.config_path), client.identity) as cnode:
            # Not yet authorized by the server: refused.
            with pytest.raises(PeerUnreachableError), trio.fail_after(30):
                await cnode.connect(server.peer_id, [addr])
            # An edit of the server's authorized_keys file is picked up without a restart.
            server.authorize(client)
            with trio.fail_after(10):
                while True:
                    try:
                        await cnode.connect(server.peer_id, [addr])
                        break
                    except PeerUnreachableError:
                        await trio.sleep(0.3)
            results = [r async for r in cnode.ping(server.peer_id, count=2, interval=0.05)]
            assert [(r.error, r.error_code) for r in results] == [(None, None), (None, None)]
            assert all(r.rtt_ms is not None and r.rtt_ms > 0 for r in results)

            # A peer without the line protocol is pinged with /ipfs/ping/1.0.0.
            snode._require_host().get_mux().remove_handler("/pingpong/1.0.0")
            results = [r async for r in cnode.ping(server.peer_id, count=1, interval=0)]
            assert results[0].error is None

            # Removing the client from the file closes its connection.
            snode.deauthorize(client.peer_id)
            with trio.fail_after(10):
                while snode.paths():  # noqa: ASYNC110 - polls the node's connection table
                    await trio.sleep(0.2)


async def test_quic_switch_forwards_and_gates(tmp_path: Path) -> None:
    """QUIC (off by default) carries a forward, and refuses unauthorized peers too."""
    echo_port = 0
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        server, client = await _pair(tmp_path, echo_port)
        stranger = make_node_dir(tmp_path, "stranger")
        stranger.authorize(server)
        for node in (server, client, stranger):
            text = node.config_path.read_text().replace(
                "network: {listen_addresses: ['/ip4/127.0.0.1/tcp/0']}",
                "network: {listen_addresses: ['/ip4/127.0.0.1/tcp/0'], enable_quic: true}",
            )
            node.config_path.write_text(text)
        async with open_node(load_config(server.config_path), server.identity) as snode:
            quic = next(a for a in snode.status().listen_addresses if "/quic-v1" in a)
            quic = quic.split("/p2p/")[0]
            async with open_node(load_config(client.config_path), client.identity) as cnode:
                path = await cnode.connect(server.peer_id, [quic])
                assert path.transport == "quic"
                fwd = await cnode.open_forward(server.peer_id, "echo", "127.0.0.1:0")
                port = int(fwd.listen_address.rsplit(":", 1)[1])
                payload = os.urandom(256 << 10)
                with trio.fail_after(60):
                    assert await exchange(port, payload) == payload
            async with (
                snode.subscribe() as events,
                open_node(load_config(stranger.config_path), stranger.identity) as xnode,
            ):
                with contextlib.suppress(PeerUnreachableError), trio.fail_after(30):
                    await xnode.connect(server.peer_id, [quic])
                with trio.fail_after(10):
                    async for item in events:
                        event = item.event
                        if isinstance(event, ConnectionRefused):
                            assert event.peer_id == stranger.peer_id
                            break
                results = [r async for r in xnode.ping(server.peer_id, count=1, interval=0)]
                assert results[0].error is not None
                # Beside its text, a stable code a front end translates (a refused stranger
                # cannot even connect: the peer is unreachable to it).
                assert results[0].error_code == "peer-unreachable", results[0]
                assert stranger.peer_id not in {p.peer_id for p in snode.paths()}
        nursery.cancel_scope.cancel()


async def test_allowed_peers_limits_a_service(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        server = make_node_dir(tmp_path, "server")
        friend = make_node_dir(tmp_path, "friend")
        other = make_node_dir(tmp_path, "other")
        for peer in (friend, other):
            server.authorize(peer)
            peer.authorize(server)
        async with open_node(load_config(server.config_path), server.identity) as snode:
            addr = snode.status().listen_addresses[0]
            snode.expose_service("echo", f"127.0.0.1:{echo_port}", [friend.peer_id])
            for peer, allowed in ((friend, True), (other, False)):
                async with open_node(load_config(peer.config_path), peer.identity) as pnode:
                    await pnode.connect(server.peer_id, [addr])
                    fwd = await pnode.open_forward(server.peer_id, "echo", "127.0.0.1:0")
                    port = int(fwd.listen_address.rsplit(":", 1)[1])
                    with trio.fail_after(30):
                        reply = await exchange(port, b"secret")
                    assert reply == (b"secret" if allowed else b"")
            assert snode.services()[0].errors == 1
        nursery.cancel_scope.cancel()


async def test_connections_beyond_the_per_peer_limit_are_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.engine.forwards.MAX_CONNECTIONS_PER_PEER", 3)
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        server, client = await _pair(tmp_path, echo_port)
        async with open_node(load_config(server.config_path), server.identity) as snode:
            addr = snode.status().listen_addresses[0]
            async with open_node(load_config(client.config_path), client.identity) as cnode:
                await cnode.connect(server.peer_id, [addr])
                fwd = await cnode.open_forward(server.peer_id, "echo", "127.0.0.1:0")
                port = int(fwd.listen_address.rsplit(":", 1)[1])
                held = []
                for _ in range(3):
                    s = await trio.open_tcp_stream("127.0.0.1", port)
                    await s.send_all(b"x")
                    assert await s.receive_some(1) == b"x"
                    held.append(s)
                extra = await trio.open_tcp_stream("127.0.0.1", port)
                with trio.fail_after(10):
                    assert await extra.receive_some(10) == b""
                info = cnode.forwards()[0]
                assert "too many connections" in (info.last_error or "")
                assert info.last_error_code == "too-many-connections"
                for s in [*held, extra]:
                    await s.aclose()
        nursery.cancel_scope.cancel()


async def test_half_close_from_the_service_side(tmp_path: Path) -> None:
    """The service finishes sending first (FIN); the client still gets to send it everything."""
    received_by_service = bytearray()
    service_done = trio.Event()

    async def greet_then_listen(stream: trio.SocketStream) -> None:
        async with stream:
            await stream.send_all(b"greeting")
            await stream.send_eof()
            while data := await stream.receive_some(65536):
                received_by_service.extend(data)
        service_done.set()

    async with trio.open_nursery() as nursery:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        port = listeners[0].socket.getsockname()[1]
        nursery.start_soon(trio.serve_listeners, greet_then_listen, listeners)
        server, client = await _pair(tmp_path, port)
        async with open_node(load_config(server.config_path), server.identity) as snode:
            addr = snode.status().listen_addresses[0]
            async with open_node(load_config(client.config_path), client.identity) as cnode:
                await cnode.connect(server.peer_id, [addr])
                fwd = await cnode.open_forward(server.peer_id, "echo", "127.0.0.1:0")
                fport = int(fwd.listen_address.rsplit(":", 1)[1])
                with trio.fail_after(30):
                    stream = await trio.open_tcp_stream("127.0.0.1", fport)
                    got = b""
                    while data := await stream.receive_some(100):
                        got += data
                    assert got == b"greeting"  # EOF arrived after the greeting
                    payload = os.urandom(1 << 20)
                    await stream.send_all(payload)  # our direction is still open
                    await stream.send_eof()
                    await service_done.wait()
                    await stream.aclose()
                assert bytes(received_by_service) == payload
        nursery.cancel_scope.cancel()


async def _paced_echo(port: int, chunk: int, count: int, pause: float) -> int:
    """Send ``count`` chunks ``pause`` s apart through an echo forward while reading the echo;
    returns the bytes moved each way."""
    payload = os.urandom(chunk)
    received = 0
    async with await trio.open_tcp_stream("127.0.0.1", port) as stream:

        async def send() -> None:
            for _ in range(count):
                await stream.send_all(payload)
                await trio.sleep(pause)
            await stream.send_eof()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(send)
            while data := await stream.receive_some(1 << 20):
                received += len(data)
    assert received == chunk * count
    return received


async def test_forward_publishes_counters_and_rates_about_once_a_second_while_bytes_move(
    tmp_path: Path,
) -> None:
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        server, client = await _pair(tmp_path, echo_port)
        async with open_node(load_config(server.config_path), server.identity) as snode:
            addr = snode.status().listen_addresses[0]
            async with (
                open_node(load_config(client.config_path), client.identity) as cnode,
                cnode.subscribe() as events,
            ):
                await cnode.connect(server.peer_id, [addr])
                fwd = await cnode.open_forward(server.peer_id, "echo", "127.0.0.1:0")
                port = int(fwd.listen_address.rsplit(":", 1)[1])
                seen: list[tuple[float, ForwardInfo]] = []

                async def watch() -> None:
                    # Appended one by one: the watch is cancelled, never finished.
                    async for item in events:
                        event = getattr(item, "event", None)
                        if not isinstance(event, ForwardChanged) or event.forward.id != fwd.id:
                            continue
                        seen.append((trio.current_time(), event.forward))

                async with trio.open_nursery() as watching:
                    watching.start_soon(watch)
                    await trio.sleep(1.5)  # idle before: nothing but the opening
                    with trio.fail_after(30):
                        started = trio.current_time()
                        moved = await _paced_echo(port, 64 << 10, count=35, pause=0.1)  # ~3.5 s
                        ended = trio.current_time()
                    await trio.sleep(3.5)  # idle after: one event with rates 0, then nothing
                    watching.cancel_scope.cancel()

                opened, ticks = seen[0], seen[1:]
                assert (opened[1].state, opened[1].connections_total) == (ForwardState.LISTENING, 0)
                assert all(started <= at for at, _ in ticks), "published while idle"
                times = [at for at, _ in ticks]
                assert all(b - a >= 0.9 for a, b in itertools.pairwise(times)), times
                during = [f for at, f in ticks if at <= ended]
                assert len(during) >= 2, ticks
                for f in during:  # 640 KiB/s each way, counted while the connection is open
                    assert 200_000 < f.rate_up < 1_500_000, f
                    assert 200_000 < f.rate_down < 1_500_000, f
                    assert f.connections_active == 1
                assert [f.bytes_up for f in during] == sorted({f.bytes_up for f in during})
                last_at, last = ticks[-1]
                assert (last.rate_up, last.rate_down) == (0, 0)
                assert [f for _, f in ticks if not (f.rate_up or f.rate_down)] == [last]
                assert last_at < ended + 2.5  # then silence for the rest of the idle time
                assert (last.bytes_up, last.bytes_down) == (moved, moved)
                assert (last.connections_total, last.connections_active) == (1, 0)
                assert cnode.forwards()[0].rate_up == cnode.forwards()[0].rate_down == 0
        nursery.cancel_scope.cancel()


async def test_a_forward_that_cannot_reach_its_peer_resets_the_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One attempt, no back-off: the forward gives up at once.
    monkeypatch.setattr("app.engine.forwards.RETRY_DELAYS", ())
    server, client = await _pair(tmp_path, 9)
    async with open_node(load_config(client.config_path), client.identity) as cnode:
        async with open_node(load_config(server.config_path), server.identity) as snode:
            await cnode.connect(server.peer_id, [snode.status().listen_addresses[0]])
            fwd = await cnode.open_forward(server.peer_id, "echo", "127.0.0.1:0")
            port = int(fwd.listen_address.rsplit(":", 1)[1])
        # The peer is gone. A client waiting for the server to speak first (ssh, SMTP) has sent
        # nothing: a clean close would read as the server hanging up; it must see a broken
        # connection (one that sent something gets a reset anyway: its bytes were never read).
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        async with stream:
            with trio.fail_after(30), pytest.raises(trio.BrokenResourceError):
                await stream.receive_some(10)
        assert cnode.forwards()[0].last_error_code == "peer-unreachable"
