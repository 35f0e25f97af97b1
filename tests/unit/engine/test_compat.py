"""One test per py-libp2p defect worked around in app.engine.compat.

Tests named ``test_defect_*`` assert that the defect is still present in the pinned py-libp2p: when
one fails after an upgrade, upstream fixed it and the workaround can go. The other tests prove the
workaround works.
"""

from __future__ import annotations

import functools
import inspect
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import multiaddr
import pytest
import trio
import trio.testing
from hypothesis import given
from hypothesis import strategies as st
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.custom_types import TProtocol
from libp2p.host.exceptions import StreamFailure
from libp2p.network.config import ConnectionConfig
from libp2p.network.connection_gate import ConnectionGate
from libp2p.network.exceptions import SwarmDialAllFailedError, SwarmException
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo
from libp2p.peer.peerstore import PeerStore, PeerStoreError
from libp2p.protocol_muxer.exceptions import MultiselectClientError, ProtocolNotSupportedError
from libp2p.protocol_muxer.multiselect import Multiselect
from libp2p.protocol_muxer.multiselect_client import MULTISELECT_PROTOCOL_ID, MultiselectClient
from libp2p.protocol_muxer.multiselect_communicator import MultiselectCommunicator
from libp2p.security.insecure.transport import PLAINTEXT_PROTOCOL_ID, InsecureTransport
from libp2p.stream_muxer.exceptions import MuxedStreamError
from libp2p.stream_muxer.yamux import yamux

from app.engine import compat
from tests.helpers.nodes import accepts_tcp

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


def test_defect_stream_handlers_are_the_same_for_every_peer() -> None:
    # No per-peer protocol table: what one peer may open, every connected peer may open.
    from libp2p.host.basic_host import BasicHost

    params = list(inspect.signature(BasicHost.set_stream_handler).parameters)
    assert params == ["self", "protocol_id", "stream_handler"]


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


def _identify_message(agent_version: str) -> Any:
    from libp2p.identity.identify.pb.identify_pb2 import Identify

    return Identify(agent_version=agent_version, protocols=["/test/x/1.0.0"])


def test_defect_identify_announces_a_fixed_agent_version() -> None:
    from libp2p.identity.identify import identify

    assert "agent_version" not in inspect.signature(new_host).parameters
    assert "agent_version=AGENT_VERSION" in inspect.getsource(identify._mk_identify_protobuf)


@pytest.mark.trio
async def test_defect_identify_drops_the_peers_agent_version() -> None:
    peerstore = PeerStore()
    peer = ID.from_pubkey(create_new_key_pair().public_key)
    await compat.original_update_from_identify()(peerstore, peer, _identify_message("go/1.0"))
    assert peerstore.get_protocols(peer) == ["/test/x/1.0.0"]  # the message was taken
    with pytest.raises(PeerStoreError):
        peerstore.get(peer, compat.AGENT_VERSION_KEY)


@pytest.mark.trio
async def test_identify_agent_version_is_announced_and_stored_bounded() -> None:
    from libp2p.host import basic_host
    from libp2p.identity.identify import identify

    before = identify.AGENT_VERSION
    compat.patch_identify_agent_version("peerup/test")
    try:
        host = _noise_host()
        assert identify._mk_identify_protobuf(host, None).agent_version == "peerup/test"
    finally:
        identify.AGENT_VERSION = before
    peerstore = PeerStore()
    peer = ID.from_pubkey(create_new_key_pair().public_key)
    update = basic_host.update_peerstore_from_identify
    await update(peerstore, peer, _identify_message("relay-server/0.1.0"))
    assert peerstore.get(peer, compat.AGENT_VERSION_KEY) == "relay-server/0.1.0"
    await update(peerstore, peer, _identify_message("evil\x1b[2J/" + "x" * 1000))
    assert peerstore.get(peer, compat.AGENT_VERSION_KEY) == ("evil[2J/" + "x" * 1000)[:128]


@given(st.text())
def test_bounded_agent_version_is_short_and_printable(text: str) -> None:
    agent = compat.bounded_agent_version(text)
    assert len(agent) <= compat.MAX_AGENT_VERSION
    assert agent.isprintable()
    assert agent == "".join(ch for ch in text if ch.isprintable())[: compat.MAX_AGENT_VERSION]


def test_defect_dht_ignores_its_protocol_prefix() -> None:
    from libp2p.kad_dht.kad_dht import DHTMode, KadDHT

    host = new_host(key_pair=create_new_key_pair())
    KadDHT(host, DHTMode.SERVER, protocol_prefix=TProtocol("/peerup"))
    protocols = [str(p) for p in host.get_mux().get_protocols()]
    assert "/ipfs/kad/1.0.0" in protocols
    assert "/peerup/kad/1.0.0" not in protocols


def test_dht_host_view_uses_our_protocol() -> None:
    from libp2p.kad_dht.kad_dht import DHTMode, KadDHT

    host = new_host(key_pair=create_new_key_pair())
    view: Any = compat.DHTHostView(host, TProtocol("/peerup/x/kad/1.0.0"))
    KadDHT(view, DHTMode.SERVER, protocol_prefix=TProtocol("/peerup/x"))
    protocols = [str(p) for p in host.get_mux().get_protocols()]
    assert "/peerup/x/kad/1.0.0" in protocols
    assert "/ipfs/kad/1.0.0" not in protocols


@pytest.mark.trio
async def test_dht_host_view_never_dials() -> None:
    host = new_host(key_pair=create_new_key_pair())
    view = compat.DHTHostView(host, TProtocol("/peerup/kad/1.0.0"))
    stranger = ID.from_pubkey(create_new_key_pair().public_key)
    view.get_peerstore().add_addrs(stranger, [multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/9")], 60)
    with pytest.raises(SwarmException, match="does not dial"):
        await view.new_stream(stranger, [TProtocol("/ipfs/kad/1.0.0")])


def test_dht_peerstore_writes_are_bounded() -> None:
    host = new_host(key_pair=create_new_key_pair())
    view = compat.DHTHostView(host, TProtocol("/peerup/kad/1.0.0"))
    peer = ID.from_pubkey(create_new_key_pair().public_key)
    many = [multiaddr.Multiaddr(f"/ip4/10.0.0.{i}/tcp/1") for i in range(100)]
    view.get_peerstore().add_addrs(peer, many, 60)
    assert len(host.get_peerstore().addrs(peer)) == compat.MAX_DHT_ADDRS_PER_PEER


CIRCUIT = "/ip4/1.2.3.4/tcp/1/p2p/12D3KooWRBhwfeP2Y4TCx1SM6s9rUoHhR5STiGwxBhgFRcw3UERE/p2p-circuit"


def test_defect_get_addrs_mangles_circuit_addresses() -> None:
    host = new_host(
        key_pair=create_new_key_pair(),
        addrs_factory=lambda addrs: [*addrs, multiaddr.Multiaddr(CIRCUIT)],
    )
    advertised = [str(a) for a in host.get_addrs()]
    assert advertised == [f"/ip4/1.2.3.4/tcp/1/p2p/{host.get_id()}"]


@pytest.mark.trio
async def test_advertised_addresses_carry_circuits_and_no_wildcards() -> None:
    host = new_host(key_pair=create_new_key_pair())
    compat.advertise_addresses(host, lambda: [CIRCUIT])
    async with host.run([multiaddr.Multiaddr("/ip4/0.0.0.0/tcp/0")]):
        advertised = [str(a) for a in host.get_addrs()]
        expanded = compat.expand_wildcards(host.get_transport_addrs())
    me = host.get_id()
    # The wildcard stays first (DCUtR binds its dials to it), its public interface addresses follow.
    assert advertised[0].startswith("/ip4/0.0.0.0/")
    public = [a for a in expanded if compat._is_global(a)]
    assert advertised[1:] == [f"{a}/p2p/{me}" for a in public] + [f"{CIRCUIT}/p2p/{me}"]


@pytest.mark.trio
async def test_advertised_addresses_carry_global_mapped_addresses() -> None:
    host = new_host(key_pair=create_new_key_pair())
    mapped = ["/ip4/203.0.113.77/tcp/4001", "/ip4/10.0.0.1/tcp/4001", "not an address"]
    compat.advertise_addresses(host, lambda: [CIRCUIT], lambda: mapped)
    async with host.run([multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")]):
        advertised = [str(a) for a in host.get_addrs()]
    me = host.get_id()
    # A private mapped address (double NAT) is as useless to a peer as a private interface one.
    assert advertised[1:] == [f"/ip4/203.0.113.77/tcp/4001/p2p/{me}", f"{CIRCUIT}/p2p/{me}"]


def test_dht_peerstore_drops_wildcards() -> None:
    host = new_host(key_pair=create_new_key_pair())
    view = compat.DHTHostView(host, TProtocol("/peerup/kad/1.0.0"))
    peer = ID.from_pubkey(create_new_key_pair().public_key)
    addrs = ["/ip4/0.0.0.0/tcp/1", "/ip6/::/tcp/1", "/ip4/203.0.113.7/tcp/1"]
    view.get_peerstore().add_addrs(peer, [multiaddr.Multiaddr(a) for a in addrs], 60)
    assert [str(a) for a in host.get_peerstore().addrs(peer)] == ["/ip4/203.0.113.7/tcp/1"]


async def _tcp_pair() -> tuple[trio.SocketStream, trio.SocketStream]:
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    client = await trio.open_tcp_stream("127.0.0.1", port)
    server = await listeners[0].accept()
    await listeners[0].aclose()
    return client, server


@pytest.mark.trio
async def test_defect_tcp_reads_are_one_socket_read_each() -> None:
    from libp2p.io.trio import TrioTCPStream

    client, server = await _tcp_pair()
    async with client, server:
        await client.send_all(b"ab" + b"x" * 98)
        await trio.sleep(0.05)
        reader = TrioTCPStream(server)
        assert await compat.original_tcp_read()(reader, 2) == b"ab"
        # The other 98 bytes are still in the socket: every small read is a socket read.
        assert len(os.read(server.socket.fileno(), 1000)) == 98


@pytest.mark.trio
async def test_patched_tcp_reads_serve_small_reads_from_one_socket_read() -> None:
    from libp2p.io.trio import TrioTCPStream

    client, server = await _tcp_pair()
    reader = TrioTCPStream(server)
    async with client, server:
        await client.send_all(b"ab" + b"x" * 98)
        await trio.sleep(0.05)
        assert await compat._tcp_read(reader, 2) == b"ab"
        with pytest.raises(BlockingIOError):
            os.read(server.socket.fileno(), 1000)  # everything was read at once
        assert await compat._tcp_read(reader, 50) == b"x" * 50
        assert await compat._tcp_read(reader, 0) == b""
        assert await compat._tcp_read(reader, 1000) == b"x" * 48
        await client.send_all(b"tail")
        await client.send_eof()
        assert await compat._tcp_read(reader, None) == b"tail"
        assert await compat._tcp_read(reader, 10) == b""


def test_defect_read_path_copies_every_frame() -> None:
    from libp2p.security.secure_session import SecureSession

    assert "bytearray()" in inspect.getsource(compat.original_read_exactly())
    assert "BytesIO" in inspect.getsource(SecureSession)
    assert "_drain" in inspect.getsource(compat.original_secure_read())


class _Messages:
    """A Noise reader that hands out the given messages, then b"" (closed)."""

    def __init__(self, *messages: bytes) -> None:
        self.messages = list(messages)

    async def read_msg(self) -> bytes:
        return self.messages.pop(0) if self.messages else b""


def _session(*messages: bytes):
    from libp2p.security.secure_session import SecureSession

    session = SecureSession.__new__(SecureSession)
    session.conn = _Messages(*messages)
    session._reset_internal_buffer()
    return session


@pytest.mark.trio
@pytest.mark.parametrize("read", [compat.original_secure_read(), compat._secure_read])
async def test_secure_read_contract(read) -> None:
    from libp2p.io.exceptions import ConnectionClosedError

    session = _session(b"header" + b"body", b"abc", b"defgh", b"last")
    assert await read(session, 6) == b"header"
    assert await read(session, None) == b"body"
    assert await read(session, 0) == b""
    assert await read(session, 5) == b"abcde"  # across messages
    assert await read(session, 2) == b"fg"
    assert await read(session, 4) == b"hlas"
    assert await read(session, 10) == b"t"  # the connection closed after some data
    with pytest.raises(ConnectionClosedError):
        await read(session, 1)
    with pytest.raises(ConnectionClosedError):
        await read(_session(), None)


@pytest.mark.trio
@pytest.mark.parametrize("read_exactly", [compat.original_read_exactly(), compat._read_exactly])
async def test_read_exactly_contract(read_exactly) -> None:
    from libp2p.io.exceptions import IncompleteReadError

    class Chunks:
        def __init__(self, *chunks: bytes) -> None:
            self.chunks = list(chunks)

        async def read(self, n: int) -> bytes:
            chunk = self.chunks.pop(0) if self.chunks else b""
            if len(chunk) > n:
                self.chunks.insert(0, chunk[n:])
            return chunk[:n]

    assert await read_exactly(Chunks(b"abcdef"), 6) == b"abcdef"
    assert await read_exactly(Chunks(b"ab", b"cd", b"efgh"), 6) == b"abcdef"
    with pytest.raises(IncompleteReadError) as partial:
        await read_exactly(Chunks(b"ab"), 6)
    assert partial.value.received_bytes == 2
    assert not partial.value.is_clean_close
    with pytest.raises(IncompleteReadError) as clean:
        await read_exactly(Chunks(), 6)
    assert clean.value.is_clean_close


# ---- write batches, one Noise buffer per write, no timer per frame, frame-keeping buffers -------


def test_defect_yamux_writes_frame_by_frame() -> None:
    write = inspect.getsource(compat.original_yamux_write())
    assert "await self.conn._write_frame(" in write  # one frame per call ...
    assert "while sent < total" in write  # ... in a loop over the frames of one write
    # Every frame's header is unpacked and a debug line formatted, logging on or not.
    frame = inspect.getsource(compat._original_write_frame)
    assert "type_names" in frame
    assert "logger.debug(" in frame
    assert "isEnabledFor" not in frame


def test_defect_noise_writes_each_message_on_its_own() -> None:
    source = inspect.getsource(compat._original_noise_write_msg)
    assert "while written < total" in source
    assert "await self.read_writer.write_msg(data_encrypted)" in source


def test_defect_yamux_reads_every_body_under_a_timer() -> None:
    assert "fail_after" in inspect.getsource(compat._original_read_data_body)


def test_defect_yamux_buffers_copy_every_frame() -> None:
    source = inspect.getsource(yamux.Yamux)
    assert "self.stream_buffers[stream_id] = bytearray()" in source
    assert ".extend(data)" in source
    assert "data = bytes(buffer)" in source


def _noise_pair() -> tuple[Any, Any]:
    """Two Noise states after a real XX handshake (initiator, responder)."""
    from noise.connection import Keypair, NoiseConnection

    ends = []
    for initiator in (True, False):
        conn = NoiseConnection.from_name(b"Noise_XX_25519_ChaChaPoly_SHA256")
        conn.set_keypair_from_private_bytes(Keypair.STATIC, os.urandom(32))
        if initiator:
            conn.set_as_initiator()
        else:
            conn.set_as_responder()
        conn.start_handshake()
        ends.append(conn)
    a, b = ends
    b.read_message(a.write_message())
    a.read_message(b.write_message())
    b.read_message(a.write_message())
    assert a.handshake_finished
    assert b.handshake_finished
    return a, b


class _Recorder:
    """A raw connection that records what is written to it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    async def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    async def close(self) -> None:
        return None


def _noise_messages(data: bytes) -> list[bytes]:
    messages = []
    while data:
        size = int.from_bytes(data[:2], "big")
        messages.append(data[2 : 2 + size])
        data = data[2 + size :]
    return messages


@pytest.mark.trio
@pytest.mark.parametrize("size", [0, 1, 65519, 65520, 4 * 65519 + 7])
async def test_noise_batch_write_sends_the_same_bytes_in_one_write(size: int) -> None:
    from libp2p.security.noise.io import NoiseTransportReadWriter

    sender, receiver = _noise_pair()
    payload = os.urandom(size)
    upstream_raw, patched_raw = _Recorder(), _Recorder()
    upstream = NoiseTransportReadWriter(upstream_raw, sender)  # type: ignore[arg-type]
    patched = NoiseTransportReadWriter(patched_raw, sender)  # type: ignore[arg-type]
    state = sender.noise_protocol.cipher_state_encrypt
    start = state.n
    await compat._original_noise_write_msg(upstream, payload)
    assert state.n == start + max(1, -(-size // 65519))
    state.n = start  # the same nonces again: the output must be byte for byte the same
    await compat._noise_write_msg(patched, payload)
    assert len(patched_raw.writes) == 1
    assert patched_raw.writes[0] == b"".join(upstream_raw.writes)
    plain = b"".join(receiver.decrypt(m) for m in _noise_messages(patched_raw.writes[0]))
    assert plain == payload


class _SocketLike(_Recorder):
    """A raw connection whose write passes a checkpoint (where a cancellation lands) first."""

    async def write(self, data: bytes) -> None:
        await trio.lowlevel.checkpoint()
        self.writes.append(bytes(data))


@pytest.mark.trio
async def test_defect_cancelled_noise_write_spends_its_nonce() -> None:
    from libp2p.security.noise.io import NoiseTransportReadWriter
    from noise.exceptions import NoiseInvalidMessage

    sender, receiver = _noise_pair()
    raw = _SocketLike()
    upstream = NoiseTransportReadWriter(raw, sender)  # type: ignore[arg-type]
    with trio.CancelScope() as scope:
        scope.cancel()
        await compat._original_noise_write_msg(upstream, b"lost")
    assert scope.cancelled_caught
    assert raw.writes == []  # nothing went out, but its nonce is spent:
    await compat._original_noise_write_msg(upstream, b"next")
    with pytest.raises(NoiseInvalidMessage, match="Failed authentication"):
        receiver.decrypt(_noise_messages(raw.writes[0])[0])


@pytest.mark.trio
async def test_cancelled_noise_write_still_sends_what_it_encrypted() -> None:
    from libp2p.security.noise.io import NoiseTransportReadWriter

    sender, receiver = _noise_pair()
    raw = _SocketLike()
    patched = NoiseTransportReadWriter(raw, sender)  # type: ignore[arg-type]
    with trio.CancelScope() as scope:
        scope.cancel()
        await compat._noise_write_msg(patched, b"sent anyway")
        await trio.lowlevel.checkpoint()  # the cancellation lands after the write
    assert scope.cancelled_caught
    await compat._noise_write_msg(patched, b"next")
    received = [receiver.decrypt(m) for w in raw.writes for m in _noise_messages(w)]
    assert received == [b"sent anyway", b"next"]


class _Stalled(_Recorder):
    """A raw connection whose writes never complete (a path that stalled), closed on request."""

    closed = False

    async def write(self, data: bytes) -> None:
        await trio.sleep_forever()

    async def close(self) -> None:
        self.closed = True


@pytest.mark.trio
async def test_cancelled_noise_write_on_a_stalled_path_gives_up_and_closes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from libp2p.network.connection.exceptions import RawConnError
    from libp2p.security.noise.io import NoiseTransportReadWriter

    monkeypatch.setattr(compat, "SPENT_WRITE_LIMIT", 0.3)
    sender, _receiver = _noise_pair()
    raw = _Stalled()
    patched = NoiseTransportReadWriter(raw, sender)  # type: ignore[arg-type]
    started = trio.current_time()
    with trio.fail_after(5), trio.CancelScope() as scope:
        scope.cancel()  # the shield holds the cancellation off only until the limit
        with pytest.raises(RawConnError, match="connection closed"):
            await compat._noise_write_msg(patched, b"stuck")
    assert 0.25 <= trio.current_time() - started < 2
    assert raw.closed


def test_receive_buffer_returns_whole_frames_without_copying() -> None:
    frame, other = os.urandom(1000), os.urandom(500)
    buffer = compat.ReceiveBuffer()
    buffer.extend(frame)
    assert bytes(buffer) is frame
    assert buffer[:1000] is frame
    buffer.extend(other)
    assert len(buffer) == 1500
    assert buffer
    del buffer[:1000]
    assert bytes(buffer) is other  # still the frame's own object
    buffer.extend(frame)
    assert buffer[:700] == other + frame[:200]
    buffer.clear()
    assert not buffer
    assert bytes(buffer) == b""


_buffer_ops = st.lists(
    st.one_of(
        st.tuples(st.just("extend"), st.binary(max_size=40)),
        st.tuples(st.just("take"), st.integers(min_value=0, max_value=60)),
        st.tuples(st.just("slice"), st.integers(-5, 5), st.integers(-5, 60)),
        st.tuples(st.just("delete"), st.integers(-5, 5), st.integers(-5, 60)),
        st.tuples(st.just("all")),
        st.tuples(st.just("clear")),
    ),
    max_size=40,
)


@given(_buffer_ops)
def test_receive_buffer_behaves_like_the_bytearray_it_replaces(ops: list[tuple[Any, ...]]) -> None:
    reference = bytearray()
    buffer = compat.ReceiveBuffer()
    for op in ops:
        if op[0] == "extend":
            reference.extend(op[1])
            buffer.extend(op[1])
        elif op[0] == "take":  # what py-libp2p's reads do: bytes(buffer[:n]); del buffer[:n]
            assert bytes(buffer[: op[1]]) == bytes(reference[: op[1]])
            del reference[: op[1]]
            del buffer[: op[1]]
        elif op[0] == "slice":
            assert buffer[op[1] : op[2]] == bytes(reference[op[1] : op[2]])
        elif op[0] == "delete":
            del reference[op[1] : op[2]]
            del buffer[op[1] : op[2]]
        elif op[0] == "all":
            assert bytes(buffer) == bytes(reference)
        else:
            reference.clear()
            buffer.clear()
        assert len(buffer) == len(reference)
        assert bool(buffer) == bool(reference)


@pytest.mark.trio
async def test_data_body_in_hand_is_read_without_a_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    class Secured:
        _peerup_pending = b"header" + b"body"
        _peerup_offset = 6

        async def read(self, n: int | None = None) -> bytes:
            return await compat._secure_read(self, n)

    class Conn:
        secured_conn = Secured()

    def no_timer(seconds: float) -> Any:
        raise AssertionError("a timer was set")

    monkeypatch.setattr(trio, "fail_after", no_timer)
    assert await compat._read_data_body(Conn(), 4) == b"body"
    Conn.secured_conn = Secured()
    with pytest.raises(AssertionError, match="a timer was set"):
        await compat._read_data_body(Conn(), 5)  # not all in hand: upstream's bounded read


@pytest.mark.trio
async def test_batched_writes_carry_a_stream_intact_in_few_socket_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from libp2p.io.trio import TrioTCPStream

    monkeypatch.setattr(yamux.YamuxStream, "write", compat._yamux_write)
    monkeypatch.setattr(yamux.Yamux, "__init__", compat._yamux_init)
    monkeypatch.setattr(yamux.Yamux, "_write_frame", compat._write_frame)
    from libp2p.security.noise.io import NoiseTransportReadWriter

    monkeypatch.setattr(NoiseTransportReadWriter, "write_msg", compat._noise_write_msg)
    writes: list[int] = []
    original_write = TrioTCPStream.write

    async def counting_write(self: Any, data: bytes) -> None:
        writes.append(len(data))
        await original_write(self, data)

    monkeypatch.setattr(TrioTCPStream, "write", counting_write)
    server, client = _noise_host(), _noise_host()
    payload = os.urandom(4 << 20)
    received = bytearray()
    done = trio.Event()

    async def handler(stream: Any) -> None:
        while True:
            try:
                data = await stream.read(1 << 20)
            except Exception:
                break
            if not data:
                break
            received.extend(data)
        done.set()

    server.set_stream_handler(SINK, handler)
    with trio.fail_after(30):
        async with _running(server, client):
            await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
            stream = await client.new_stream(server.get_id(), [SINK])
            before = len(writes)
            await stream.write(payload)
            await stream.close()
            await done.wait()
            frames = -(-len(payload) // compat._FRAME_PAYLOAD)
            data_writes = [n for n in writes[before:] if n > 1000]
            assert (
                len(data_writes) < frames / 2
            )  # four frames per socket write when the window allows
    assert bytes(received) == payload


@pytest.mark.trio
async def test_noise_batch_write_cuts_messages_where_frames_end() -> None:
    from libp2p.security.noise.io import NoiseTransportReadWriter

    sender, receiver = _noise_pair()
    raw = _Recorder()
    writer = NoiseTransportReadWriter(raw, sender)  # type: ignore[arg-type]
    writer._peerup_message_size = 1000  # type: ignore[attr-defined]  # what _frame_payload sets
    payload = os.urandom(2500)
    await compat._noise_write_msg(writer, payload)
    messages = _noise_messages(raw.writes[0])
    assert [len(receiver.decrypt(m)) for m in messages] == [1000, 1000, 500]


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


# ---- IPv6 and hole punching (DCUTR-SOURCE-FAMILY, TCP-IPV6-ADDRESS, DCUTR-UNILATERAL-WAIT) ----


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


needs_ipv6 = pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback (::1) here")
DUAL_STACK = [multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0"), multiaddr.Multiaddr("/ip6/::1/tcp/0")]


def _tcp_port(host, family: str) -> int:
    for addr in host.get_transport_addrs():
        if str(addr).startswith(f"/{family}/"):
            return int(addr.value_for_protocol("tcp"))
    raise AssertionError(f"no {family} listener in {host.get_transport_addrs()}")


@needs_ipv6
@pytest.mark.trio
async def test_defect_dcutr_binds_every_dial_to_the_first_listen_address() -> None:
    from libp2p.relay.circuit_v2.dcutr import DCUtRProtocol

    class Recording(DCUtRProtocol):
        """Upstream's hole punch, with the dials recorded instead of made."""

        dials: list[tuple[str, tuple[str, int] | None]]

        async def _dial_peer(self, peer_id, addr, source=None, as_responder=False) -> None:
            self.dials.append((str(addr), source))

        async def _verify_direct_connection(self, peer_id) -> bool:
            return bool(self.dials)

        def _schedule_relay_close(self, peer_id) -> None:
            return None

    host = _noise_host()
    async with host.run(DUAL_STACK):
        dcutr = Recording(host)
        dcutr.dials = []
        peer = ID.from_pubkey(create_new_key_pair().public_key)
        targets = [
            multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/9"),
            multiaddr.Multiaddr("/ip6/::1/tcp/9"),
        ]
        with trio.fail_after(5):
            assert await dcutr._perform_hole_punch(peer, targets)
    assert len(dcutr.dials) == 2
    assert dcutr.dials[0][1] == dcutr.dials[1][1]  # one source for both families
    mismatched = [a for a, src in dcutr.dials if src and (":" in src[0]) != a.startswith("/ip6/")]
    assert len(mismatched) == 1  # so one family's dial always fails


def test_hole_punch_source_matches_the_dialled_family() -> None:
    listen = [
        multiaddr.Multiaddr(a)
        for a in ("/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4002", "/ip6/::1/tcp/4003")
    ]
    source = compat.hole_punch_source
    assert source(listen, multiaddr.Multiaddr("/ip6/2001:db8::1/tcp/1")) == ("::", 4002)
    assert source(listen, multiaddr.Multiaddr("/ip4/203.0.113.1/tcp/1/p2p/" + str(_peer()))) == (
        "0.0.0.0",
        4001,
    )
    assert source(listen[:1], multiaddr.Multiaddr("/ip6/2001:db8::1/tcp/1")) is None  # ephemeral
    assert source(listen, multiaddr.Multiaddr("/dns4/example.net/tcp/1")) is None
    assert (
        source(
            [multiaddr.Multiaddr("/ip6/::/udp/1/quic-v1")], multiaddr.Multiaddr("/ip6/::1/tcp/1")
        )
        is None
    )


def _peer() -> ID:
    return ID.from_pubkey(create_new_key_pair().public_key)


@needs_ipv6
@pytest.mark.trio
async def test_inbound_driven_dcutr_dials_ipv6_from_the_ipv6_listen_port() -> None:
    """Given upstream's wrong source (the IPv4 listen address), the dial to an IPv6 address
    still leaves from our IPv6 listen port, as TCP simultaneous open needs."""
    compat.patch_tcp_ipv6_address()
    dialer, target = _noise_host(), _noise_host()
    async with dialer.run(DUAL_STACK), target.run([DUAL_STACK[1]]):
        dcutr = compat.InboundDrivenDCUtR(dialer)
        target_addr = multiaddr.Multiaddr(f"/ip6/::1/tcp/{_tcp_port(target, 'ip6')}")
        wrong = ("127.0.0.1", _tcp_port(dialer, "ip4"))
        with trio.fail_after(10):
            await dcutr._dial_peer(target.get_id(), target_addr, wrong)
        conns = target.get_network().get_connections(dialer.get_id())
        assert conns, "the dial failed"
        seen = [str(a) for a in conns[0].get_transport_addresses()]
        assert seen == [f"/ip6/::1/tcp/{_tcp_port(dialer, 'ip6')}"]


@needs_ipv6
@pytest.mark.trio
async def test_defect_tcp_remote_address_is_none_for_ipv6() -> None:
    from libp2p.io.trio import TrioTCPStream

    listeners = await trio.open_tcp_listeners(0, host="::1")
    port = listeners[0].socket.getsockname()[1]
    stream = await trio.open_tcp_stream("::1", port)  # the backlog completes the handshake
    try:
        assert compat.original_tcp_remote_address()(TrioTCPStream(stream)) is None
        assert compat._tcp_remote_address(TrioTCPStream(stream)) == ("::1", port)
    finally:
        await stream.aclose()
        for listener in listeners:
            await listener.aclose()


@pytest.mark.trio
async def test_tcp_remote_address_keeps_ipv4() -> None:
    from libp2p.io.trio import TrioTCPStream

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    try:
        expected = compat.original_tcp_remote_address()(TrioTCPStream(stream))
        assert expected == ("127.0.0.1", port)
        assert compat._tcp_remote_address(TrioTCPStream(stream)) == expected
    finally:
        await stream.aclose()
        for listener in listeners:
            await listener.aclose()


def test_defect_dcutr_unilateral_dial_waits_the_whole_dial_timeout() -> None:
    from libp2p.relay.circuit_v2.dcutr import DCUtRProtocol

    source = inspect.getsource(DCUtRProtocol._try_unilateral_upgrade)
    assert "move_on_after(self.dial_timeout)" in source
    assert inspect.signature(DCUtRProtocol.__init__).parameters["dial_timeout"].default >= 10


@pytest.mark.trio
async def test_unilateral_dial_gives_up_after_its_bound() -> None:
    """A peer address that takes the TCP connection and never answers (as a dropped SYN never
    does): DCUtR moves on to the hole punch after UNILATERAL_DIAL_TIMEOUT, not 10 s."""
    silent = await trio.open_tcp_listeners(0, host="127.0.0.1")  # never accepts, never speaks
    port = silent[0].socket.getsockname()[1]
    host = _noise_host()
    try:
        async with _running(host):
            dcutr = compat.InboundDrivenDCUtR(host)
            peer = _peer()
            addr = multiaddr.Multiaddr(f"/ip4/127.0.0.1/tcp/{port}")
            host.get_peerstore().add_addrs(peer, [addr], 60)
            started = trio.current_time()
            with trio.fail_after(compat.UNILATERAL_DIAL_TIMEOUT + 2):
                assert not await dcutr._try_unilateral_upgrade(peer)
            assert trio.current_time() - started >= compat.UNILATERAL_DIAL_TIMEOUT - 0.1
    finally:
        for listener in silent:
            await listener.aclose()


# ---- listeners (LISTENER-LEAK) ------------------------------------------------------------------


@pytest.mark.trio
async def test_defect_host_run_leaves_its_listener_open() -> None:
    host = new_host(key_pair=create_new_key_pair(), listen_addrs=LOOPBACK)
    async with host.run(LOOPBACK):
        port = int(host.get_addrs()[0].value_for_protocol("tcp"))
    try:
        assert await accepts_tcp(port)  # nobody serves it, yet the socket still listens
    finally:
        await compat.close_listeners(host)
    assert not await accepts_tcp(port)


# ---- DCUtR wildcard targets (DCUTR-WILDCARD-DIAL) -----------------------------------------------


@pytest.mark.trio
async def test_defect_dcutr_dials_wildcard_addresses() -> None:
    from libp2p.relay.circuit_v2.dcutr import DCUtRProtocol

    class Recording(DCUtRProtocol):
        """Upstream's direct dial before the hole punch, with the dials recorded."""

        dials: list[str]

        async def _dial_peer(self, peer_id, addr, source=None, as_responder=False) -> None:
            self.dials.append(str(addr))

        async def _verify_direct_connection(self, peer_id) -> bool:
            return False

    host = _noise_host()
    async with _running(host):
        dcutr = Recording(host)
        dcutr.dials = []
        peer = _peer()
        host.get_peerstore().add_addrs(peer, [multiaddr.Multiaddr("/ip4/0.0.0.0/tcp/9")], 60)
        with trio.fail_after(5):
            await dcutr._try_unilateral_upgrade(peer)
    assert dcutr.dials == ["/ip4/0.0.0.0/tcp/9"]


@pytest.mark.trio
async def test_hole_punch_dials_skip_wildcards() -> None:
    """A peer's announced 0.0.0.0 is not dialled (it would reach ourselves); its real address is."""
    accepted: list[int] = []

    async def count(stream: trio.SocketStream) -> None:
        accepted.append(1)
        await trio.sleep_forever()  # like a SYN that is never answered: the dial has to give up

    host = _noise_host()
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, count, 0, host="0.0.0.0"))
        port = listeners[0].socket.getsockname()[1]
        async with _running(host):
            dcutr = compat.InboundDrivenDCUtR(host)
            wildcard_only, real = _peer(), _peer()
            store = host.get_peerstore()
            store.add_addrs(wildcard_only, [multiaddr.Multiaddr(f"/ip4/0.0.0.0/tcp/{port}")], 60)
            store.add_addrs(real, [multiaddr.Multiaddr(f"/ip4/127.0.0.1/tcp/{port}")], 60)
            with trio.fail_after(compat.UNILATERAL_DIAL_TIMEOUT + 5):
                assert not await dcutr._try_unilateral_upgrade(wildcard_only)
                assert accepted == []
                assert not await dcutr._try_unilateral_upgrade(real)
                assert accepted == [1]
        nursery.cancel_scope.cancel()
    assert compat.is_unspecified(multiaddr.Multiaddr("/ip6/::/tcp/1"))
    assert not compat.is_unspecified(multiaddr.Multiaddr("/ip6/::1/tcp/1"))


# ---- negotiation failures (NEGOTIATION-UNTYPED) --------------------------------------------------

OFFERED = TProtocol("/test/offered/1.0.0")
WANTED = TProtocol("/test/wanted/1.0.0")


def _raised_from(outer: BaseException, cause: BaseException) -> BaseException:
    """``outer`` as py-libp2p raises its wrappers: ``raise outer from cause``."""
    with pytest.raises(type(outer)) as raised:
        raise outer from cause
    return raised.value


class _Pipe:
    """One end of an in-memory byte pipe, as the ReadWriteCloser py-libp2p's communicator reads."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    async def read(self, n: int | None = None) -> bytes:
        return bytes(await self._stream.receive_some(n))

    async def write(self, data: bytes) -> None:
        await self._stream.send_all(data)

    async def close(self) -> None:
        await self._stream.aclose()

    def get_remote_address(self) -> None:
        return None


Responder = Callable[[MultiselectCommunicator, Any], Awaitable[None]]


async def _serve_offered(comm: MultiselectCommunicator, _end: Any) -> None:
    """py-libp2p's own multistream-select responder, offering only OFFERED."""

    async def handler(_stream: Any) -> None:
        pass

    await Multiselect({OFFERED: handler}).negotiate(comm)


async def _close_at_once(_comm: MultiselectCommunicator, end: Any) -> None:
    await end.send_eof()  # before our header: the client reads the end while it waits for it


async def _close_after_proposal(comm: MultiselectCommunicator, end: Any) -> None:
    await comm.write(MULTISELECT_PROTOCOL_ID)
    await comm.read()
    await comm.read()
    await end.aclose()


async def _garble(comm: MultiselectCommunicator, _end: Any) -> None:
    await comm.write(MULTISELECT_PROTOCOL_ID)
    await comm.read()
    await comm.read()
    await comm.write("what")
    await trio.sleep_forever()


async def _silent(_comm: MultiselectCommunicator, _end: Any) -> None:
    await trio.sleep_forever()


async def _failed_new_stream(respond: Responder) -> BaseException:
    """Run py-libp2p's ``select_one_of`` for WANTED against ``respond``; return what it raised,
    wrapped as ``BasicHost.new_stream`` wraps it."""
    ours, theirs = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(respond, MultiselectCommunicator(_Pipe(theirs)), theirs)
        with pytest.raises(MultiselectClientError) as raised:
            await MultiselectClient().select_one_of(
                [WANTED], MultiselectCommunicator(_Pipe(ours)), negotiate_timeout=10
            )
        nursery.cancel_scope.cancel()
    return _raised_from(StreamFailure("failed to open a stream to peer X"), raised.value)


@pytest.mark.trio
async def test_defect_refusal_is_told_only_by_its_message(autojump_clock: Any) -> None:
    failure = await _failed_new_stream(_serve_offered)
    cause = failure.__cause__
    assert type(cause) is MultiselectClientError  # not ProtocolNotSupportedError
    assert cause.__cause__ is None
    assert cause.__context__ is None
    assert str(cause).startswith("protocols not supported:")
    for other in (_close_at_once, _close_after_proposal, _garble, _silent):  # all the same type
        assert type((await _failed_new_stream(other)).__cause__) is MultiselectClientError


@pytest.mark.trio
async def test_defect_negotiation_timeout_is_untyped(autojump_clock: Any) -> None:
    cause = (await _failed_new_stream(_silent)).__cause__
    assert not isinstance(cause, TimeoutError | trio.TooSlowError)
    assert cause is not None
    assert cause.__cause__ is None
    assert str(cause).startswith("response timed out after 10s")


@pytest.mark.trio
async def test_refusal_is_recognized(autojump_clock: Any) -> None:
    failure = await _failed_new_stream(_serve_offered)
    assert compat.is_protocol_refusal(failure)
    assert not compat.is_negotiation_timeout(failure)
    assert not compat.is_handshake_failure(failure)


@pytest.mark.trio
async def test_per_protocol_refusal_is_recognized(autojump_clock: Any) -> None:
    """What a fixed py-libp2p would raise (or chain): its ``ProtocolNotSupportedError``."""
    ours, theirs = trio.testing.memory_stream_pair()
    client = MultiselectClient()
    comm = MultiselectCommunicator(_Pipe(ours))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_serve_offered, MultiselectCommunicator(_Pipe(theirs)), theirs)
        await client.handshake(comm)
        with pytest.raises(ProtocolNotSupportedError) as raised:
            await client.try_select(comm, WANTED)
        nursery.cancel_scope.cancel()
    assert compat.is_protocol_refusal(raised.value)
    wrapped = _raised_from(StreamFailure("failed to open a stream to peer X"), raised.value)
    assert compat.is_protocol_refusal(wrapped)


@pytest.mark.trio
@pytest.mark.parametrize("respond", [_close_at_once, _close_after_proposal, _garble, _silent])
async def test_broken_negotiations_are_not_refusals(
    autojump_clock: Any, respond: Responder
) -> None:
    failure = await _failed_new_stream(respond)
    assert not compat.is_protocol_refusal(failure)
    assert compat.is_negotiation_timeout(failure) is (respond is _silent)
    # Only a stream ended before the peer's header came cannot have reached a handler.
    assert compat.is_handshake_failure(failure) is (respond is _close_at_once)


def test_other_stream_failures_are_not_refusals() -> None:
    """Failures before the negotiation (the swarm or the muxer) are not refusals either."""
    failure = _raised_from(
        SwarmException("Failed to create stream to peer X"),
        MuxedStreamError("Connection is shutting down"),
    )
    assert not compat.is_protocol_refusal(failure)
    assert not compat.is_negotiation_timeout(failure)
    assert not compat.is_handshake_failure(failure)


# ---- dialling every address (SWARM-ONE-ADDR-PER-CLASS) ------------------------------------------


def _dead_address() -> multiaddr.Multiaddr:
    """A loopback TCP address nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return multiaddr.Multiaddr(f"/ip4/127.0.0.1/tcp/{sock.getsockname()[1]}")


@pytest.mark.trio
async def test_defect_connect_dials_one_tcp_address() -> None:
    dialer, target = _noise_host(), _noise_host()
    async with _running(dialer, target):
        live = target.get_addrs()[0].decapsulate_code(multiaddr.protocols.P_P2P)
        peer = PeerInfo(target.get_id(), [_dead_address(), live])
        with trio.fail_after(20), pytest.raises(SwarmException):
            await dialer.connect(peer)  # the live address is never tried
        assert not dialer.get_network().get_connections(target.get_id())


@pytest.mark.trio
async def test_connect_each_reaches_the_peer_at_its_second_address() -> None:
    dialer, target = _noise_host(), _noise_host()
    async with _running(dialer, target):
        live = target.get_addrs()[0].decapsulate_code(multiaddr.protocols.P_P2P)
        peer = PeerInfo(target.get_id(), [_dead_address(), live])
        with trio.fail_after(20):
            await compat.connect_each(dialer, peer)
        assert dialer.get_network().get_connections(target.get_id())


@pytest.mark.trio
async def test_connect_each_does_not_wait_for_a_silent_address() -> None:
    """An address that takes the TCP connection and never answers (a black hole) holds up the
    next one only for CONNECT_STAGGER; the dial there wins, and the silent one is cancelled."""

    async def silent(stream: trio.SocketStream) -> None:
        await trio.sleep_forever()

    dialer, target = _noise_host(), _noise_host()
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(
            functools.partial(trio.serve_tcp, silent, 0, host="127.0.0.1")
        )
        hole = multiaddr.Multiaddr(f"/ip4/127.0.0.1/tcp/{listeners[0].socket.getsockname()[1]}")
        async with _running(dialer, target):
            live = target.get_addrs()[0].decapsulate_code(multiaddr.protocols.P_P2P)
            started = trio.current_time()
            with trio.fail_after(10):
                await compat.connect_each(dialer, PeerInfo(target.get_id(), [hole, live]))
            assert trio.current_time() - started < compat.CONNECT_STAGGER + 2
            assert dialer.get_network().get_connections(target.get_id())
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_connect_each_reports_every_failure() -> None:
    dialer = _noise_host()
    async with _running(dialer):
        peer = PeerInfo(_peer(), [_dead_address(), _dead_address()])
        with trio.fail_after(20), pytest.raises(SwarmDialAllFailedError) as failed:
            await compat.connect_each(dialer, peer)
    assert failed.value.num_addrs_tried == 2
    with pytest.raises(SwarmException, match="no dialable address"):
        await compat.connect_each(
            dialer, PeerInfo(_peer(), [multiaddr.Multiaddr("/ip4/0.0.0.0/tcp/1")])
        )


def test_dialable_addrs_skip_wildcards_circuits_and_lone_loopback() -> None:
    a = multiaddr.Multiaddr
    public, lan = a("/ip4/203.0.113.5/tcp/4001"), a("/ip4/192.168.1.5/tcp/4001")
    loop = a("/ip4/127.0.0.1/tcp/4001")
    given = [
        a("/ip4/0.0.0.0/tcp/4001"),
        lan,
        a("/ip6/::/tcp/4001"),
        loop,
        a("/ip4/198.51.100.1/tcp/4001/p2p/" + str(_peer()) + "/p2p-circuit"),
        public,
        lan,
    ]
    assert compat.dialable_addrs(given) == [lan, public]
    assert compat.dialable_addrs([loop, a("/ip6/::1/tcp/1")]) == [loop, a("/ip6/::1/tcp/1")]
    many = [a(f"/ip4/203.0.113.{i}/tcp/1") for i in range(40)]
    assert compat.dialable_addrs(many) == many[: compat.MAX_CONNECT_ADDRS]
