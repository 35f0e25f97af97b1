"""One test per py-libp2p defect worked around in app.engine.compat.

Tests named ``test_defect_*`` assert that the defect is still present in the pinned py-libp2p: when
one fails after an upgrade, upstream fixed it and the workaround can go. The other tests prove the
workaround works.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import multiaddr
import pytest
import trio
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.custom_types import TProtocol
from libp2p.network.config import ConnectionConfig
from libp2p.network.connection_gate import ConnectionGate
from libp2p.peer.peerinfo import PeerInfo
from libp2p.security.insecure.transport import PLAINTEXT_PROTOCOL_ID, InsecureTransport
from libp2p.stream_muxer.exceptions import MuxedStreamError
from libp2p.stream_muxer.yamux import yamux

from app.engine import compat

LOOPBACK = [multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")]
SINK = TProtocol("/test/sink/1.0.0")


def _noise_host():
    kp = create_new_key_pair()
    host = new_host(
        key_pair=kp,
        sec_opt=compat.noise_only_security(kp),
        listen_addrs=LOOPBACK,
        connection_config=compat.connection_config(),
    )
    compat.disable_auto_dial(host)
    return host


@asynccontextmanager
async def _running(*hosts) -> AsyncIterator[None]:
    async with trio.open_nursery() as nursery:
        ctxs = [h.run(LOOPBACK) for h in hosts]
        for c in ctxs:
            await c.__aenter__()
        try:
            yield
        finally:
            for c in reversed(ctxs):
                await c.__aexit__(None, None, None)
            nursery.cancel_scope.cancel()


def test_defect_plaintext_offered_by_default() -> None:
    host = new_host(key_pair=create_new_key_pair(), listen_addrs=LOOPBACK)
    offered = host.get_network().upgrader.security_multistream.transports
    assert TProtocol(PLAINTEXT_PROTOCOL_ID) in offered


def test_noise_only_security_offers_only_noise() -> None:
    offered = compat.noise_only_security(create_new_key_pair())
    assert list(offered) == [TProtocol("/noise")]


@pytest.mark.trio
async def test_plaintext_dialer_is_refused() -> None:
    ours = _noise_host()
    kp = create_new_key_pair()
    plaintext = new_host(
        key_pair=kp,
        sec_opt={TProtocol(PLAINTEXT_PROTOCOL_ID): InsecureTransport(kp)},
        listen_addrs=LOOPBACK,
    )
    async with _running(ours, plaintext):
        with pytest.raises(Exception), trio.fail_after(15):  # noqa: B017 - any dial failure
            await plaintext.connect(PeerInfo(ours.get_id(), ours.get_addrs()))
        assert not ours.get_network().get_connections(plaintext.get_id())


def test_defect_three_connections_per_peer_by_default() -> None:
    assert ConnectionConfig().max_connections_per_peer == 3
    assert compat.connection_config().max_connections_per_peer == 1


def test_defect_auto_dial_targets_fifty_connections() -> None:
    assert ConnectionConfig().min_connections == 50


@pytest.mark.trio
async def test_disable_auto_dial_dials_nobody() -> None:
    host = _noise_host()
    compat.disable_auto_dial(host)
    async with _running(host):
        await host.get_network().auto_connector.maybe_connect()
        await trio.sleep(0.2)
        assert host.get_network().get_total_connections() == 0


def test_defect_gate_knows_only_addresses() -> None:
    params = list(inspect.signature(ConnectionGate.is_allowed).parameters)
    assert params == ["self", "remote_addr"]


@pytest.mark.trio
async def test_peer_gate_refuses_before_any_stream() -> None:
    server, client = _noise_host(), _noise_host()
    refused: list[str] = []
    compat.install_peer_gate(server, lambda pid: False, lambda pid, addr: refused.append(str(pid)))

    async def handler(stream) -> None:  # pragma: no cover - must never run
        raise AssertionError("stream opened by a refused peer")

    server.set_stream_handler(SINK, handler)
    async with _running(server, client):
        with trio.fail_after(15):
            try:
                await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
                await client.new_stream(server.get_id(), [SINK])
            except Exception:
                pass
            else:  # pragma: no cover
                raise AssertionError("stream opened")
        assert refused
        assert set(refused) == {str(client.get_id())}


def test_defect_yamux_write_has_a_five_second_deadline() -> None:
    source = inspect.getsource(compat.original_yamux_write())
    assert "move_on_after(5.0)" in source
    assert "Timed out waiting for window update" in source


def test_defect_yamux_frames_do_not_fit_one_noise_message() -> None:
    from libp2p.security.noise.io import MAX_PLAINTEXT_LENGTH

    assert yamux.MAX_MESSAGE_SIZE > MAX_PLAINTEXT_LENGTH
    assert compat._FRAME_PAYLOAD + yamux.HEADER_SIZE <= MAX_PLAINTEXT_LENGTH


async def _pause_reader(
    write_fn, pause: float, size: int = 2 << 20
) -> tuple[int, BaseException | None]:
    """Send ``size`` bytes to a peer that does not read for ``pause`` s; return bytes received."""
    server, client = _noise_host(), _noise_host()
    received = 0
    done = trio.Event()

    async def handler(stream) -> None:
        nonlocal received
        await trio.sleep(pause)
        while True:
            try:
                data = await stream.read(1 << 20)
            except Exception:
                break
            if not data:
                break
            received += len(data)
        done.set()

    server.set_stream_handler(SINK, handler)
    error: BaseException | None = None
    previous = yamux.YamuxStream.write
    yamux.YamuxStream.write = write_fn
    try:
        async with _running(server, client):
            await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
            stream = await client.new_stream(server.get_id(), [SINK])
            try:
                await stream.write(os.urandom(size))
                await stream.close()
            except MuxedStreamError as exc:
                error = exc
            except Exception as exc:
                error = exc
            with trio.move_on_after(10):
                await done.wait()
    finally:
        yamux.YamuxStream.write = previous
    return received, error


@pytest.mark.slow
@pytest.mark.trio
async def test_defect_yamux_write_fails_when_reader_pauses() -> None:
    received, error = await _pause_reader(compat.original_yamux_write(), pause=7.0, size=16 << 20)
    assert error is not None
    assert received < 16 << 20


@pytest.mark.slow
@pytest.mark.trio
async def test_patched_yamux_write_survives_a_paused_reader() -> None:
    received, error = await _pause_reader(compat._yamux_write, pause=7.0, size=16 << 20)
    assert error is None
    assert received == 16 << 20


def test_defect_dcutr_drives_every_relayed_connection() -> None:
    from libp2p.relay.circuit_v2.dcutr import DCUtRProtocol

    source = inspect.getsource(DCUtRProtocol._auto_drive_loop)
    assert "/p2p-circuit" in source
    assert "is_initiator" not in source  # no look at who accepted the relayed connection


def test_inbound_driven_dcutr_only_drives_accepted_relayed_connections() -> None:
    class Conn:
        def __init__(self, relayed: bool, initiator: bool) -> None:
            self._addr = "/ip4/1.2.3.4/tcp/1/p2p/R/p2p-circuit" if relayed else "/ip4/1.2.3.4/tcp/1"
            self.muxed_conn = type(
                "M", (), {"secured_conn": type("S", (), {"is_initiator": initiator})()}
            )()

        def get_transport_addresses(self) -> list[str]:
            return [self._addr]

    assert compat.is_inbound_relayed(Conn(relayed=True, initiator=False))
    assert not compat.is_inbound_relayed(Conn(relayed=True, initiator=True))
    assert not compat.is_inbound_relayed(Conn(relayed=False, initiator=False))


def test_defect_quic_read_reports_eof_without_rechecking_the_buffer() -> None:
    source = inspect.getsource(compat.original_quic_read())
    after_state_lock = source.split("async with self._state_lock:", 1)[1]
    eof_branch = after_state_lock.split("raise _QUICStreamEOF()", 1)[0]
    assert "_receive_buffer" not in eof_branch  # EOF is raised without looking at the buffer again


def test_defect_yamux_credits_every_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PY_YAMUX_RELEASE_ON_READ", raising=False)
    assert yamux._yamux_release_on_read()
    compat.batch_window_updates()
    assert not yamux._yamux_release_on_read()


def test_defect_mdns_announces_wildcard_addresses() -> None:
    source = inspect.getsource(compat.original_mdns_addrs())
    assert "get_transport_addrs" in source
    assert "0.0.0.0" not in source  # wildcards are announced as they are


def test_mdns_addresses_are_expanded() -> None:
    class Host:
        def get_transport_addrs(self):
            return [
                multiaddr.Multiaddr("/ip4/0.0.0.0/tcp/4001"),
                multiaddr.Multiaddr("/ip4/10.1.2.3/tcp/1"),
            ]

    broadcaster = type("B", (), {"host": Host(), "listen_addrs": []})()
    addrs = compat._mdns_addrs(broadcaster)
    assert "/ip4/0.0.0.0/tcp/4001" not in addrs
    assert "/ip4/10.1.2.3/tcp/1" in addrs


async def _read_after_session_close(read_fn) -> BaseException | bytes:
    """Open a stream, let the server hold it open, close the client's yamux session, read."""
    server, client = _noise_host(), _noise_host()
    hold = trio.Event()

    async def handler(stream) -> None:
        await hold.wait()

    server.set_stream_handler(SINK, handler)
    previous = yamux.YamuxStream.read
    yamux.YamuxStream.read = read_fn
    try:
        async with _running(server, client):
            await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
            stream = await client.new_stream(server.get_id(), [SINK])
            result: BaseException | bytes
            async with trio.open_nursery() as nursery:

                async def close_soon() -> None:
                    await trio.sleep(0.2)
                    await stream.muxed_conn.close()

                nursery.start_soon(close_soon)
                with trio.fail_after(5):
                    try:
                        result = await stream.read(100)
                    except Exception as exc:
                        result = exc
            hold.set()
    finally:
        yamux.YamuxStream.read = previous
    return result


@pytest.mark.trio
async def test_defect_yamux_session_close_reads_as_a_clean_eof() -> None:
    from libp2p.network.stream.exceptions import StreamEOF

    compat.patch_yamux_shutdown_reset()  # close() marks cut streams; upstream read ignores it
    result = await _read_after_session_close(compat.original_yamux_read())
    assert isinstance(result, StreamEOF)  # the peer never finished the stream


@pytest.mark.trio
async def test_patched_yamux_read_reports_a_cut_stream_as_reset() -> None:
    from libp2p.network.stream.exceptions import StreamReset

    compat.patch_yamux_shutdown_reset()
    result = await _read_after_session_close(compat._yamux_read)
    assert isinstance(result, StreamReset)


@pytest.mark.trio
async def test_patched_yamux_read_keeps_a_finished_stream_clean() -> None:
    from libp2p.network.stream.exceptions import StreamEOF

    compat.patch_yamux_shutdown_reset()
    server, client = _noise_host(), _noise_host()

    async def handler(stream) -> None:
        await stream.write(b"done")
        await stream.close()

    server.set_stream_handler(SINK, handler)
    async with _running(server, client):
        await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
        stream = await client.new_stream(server.get_id(), [SINK])
        with trio.fail_after(5):
            assert await stream.read(100) == b"done"
            with pytest.raises(StreamEOF):
                await stream.read(100)


def test_defect_yamux_close_writes_go_away_without_a_deadline() -> None:
    source = inspect.getsource(compat.original_yamux_close())
    before_wakeup = source.split("event_shutting_down.set()", 1)[0]
    assert "_write_frame(header)" in before_wakeup
    assert "move_on_after" not in before_wakeup
    assert "fail_after" not in before_wakeup


@pytest.mark.trio
async def test_abort_transport_ends_the_connection_and_its_streams() -> None:
    from libp2p.network.stream.exceptions import StreamReset

    compat.patch_yamux_shutdown_reset()
    server, client = _noise_host(), _noise_host()
    hold = trio.Event()

    async def handler(stream) -> None:
        await hold.wait()

    server.set_stream_handler(SINK, handler)
    async with _running(server, client):
        await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
        stream = await client.new_stream(server.get_id(), [SINK])
        conn = client.get_network().get_connections(server.get_id())[0]
        assert compat.abort_transport(conn)
        with trio.fail_after(5), pytest.raises(StreamReset):
            await stream.read(100)
        hold.set()
