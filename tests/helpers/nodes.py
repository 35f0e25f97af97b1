"""Test helpers: node directories with real configs, identities and authorized_keys."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import trio
from libp2p.peer.id import ID
from libp2p.peer.peerstore import PeerStoreError

from app.core.config import load_config
from app.core.ids.identity import Identity, create_identity_file
from app.core.ids.peerid import PeerId
from app.core.peers.authkeys import AuthorizedKeysFile
from app.core.status import PathInfo
from app.engine.dht import usable_addresses
from app.engine.node import Node, open_node


@dataclass
class NodeDir:
    """A node's config directory on disk."""

    path: Path
    identity: Identity

    @property
    def config_path(self) -> Path:
        return self.path / "config.yaml"

    @property
    def peer_id(self) -> str:
        return str(self.identity.peer_id)

    def authorize(self, other: NodeDir) -> None:
        AuthorizedKeysFile(self.path / "authorized_keys").add(
            PeerId.parse(other.peer_id), other.path.name
        )


def make_node_dir(
    root: Path,
    name: str,
    *,
    services: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
    peer_addresses: dict[str, list[str]] | None = None,
    listen: str = "/ip4/127.0.0.1/tcp/0",
    extra: str = "",
    hole_punching: bool = True,
) -> NodeDir:
    """Write config.yaml, identity.key and authorized_keys for a loopback node."""
    path = root / name
    path.mkdir(mode=0o700, parents=True)
    identity = create_identity_file(path / "identity.key")
    (path / "authorized_keys").write_text("# test peers\n")
    os.chmod(path / "authorized_keys", 0o600)
    lines = [
        "version: 1",
        "identity: {key_file: identity.key}",
        f"network: {{listen_addresses: ['{listen}']"
        + ("" if hole_punching else ", hole_punching: false")
        + "}",
        "security: {authorized_keys_file: authorized_keys, enable_connection_gating: true}",
    ]
    if services:
        lines.append("services:")
        for svc, addr in services.items():
            lines.append(f"  {svc}: {{enabled: true, local_address: '{addr}'}}")
    if names:
        lines.append("names:")
        lines += [f"  {n}: {pid}" for n, pid in names.items()]
    if peer_addresses:
        lines.append("peer_addresses:")
        lines += [
            f"  {n}: [{', '.join(repr(a) for a in addrs)}]" for n, addrs in peer_addresses.items()
        ]
    config = path / "config.yaml"
    config.write_text("\n".join(lines) + "\n" + extra)
    os.chmod(config, 0o600)
    return NodeDir(path, identity)


async def serve_echo(task_status=trio.TASK_STATUS_IGNORED) -> None:
    """A TCP echo server on 127.0.0.1 that echoes, then sends FIN after the client's FIN."""

    async def handle(stream: trio.SocketStream) -> None:
        # A forward cut off mid-way (its peer connection lost) reaches us as a reset.
        with contextlib.suppress(trio.BrokenResourceError):
            async with stream:
                while data := await stream.receive_some(1 << 20):
                    await stream.send_all(data)
                await stream.send_eof()

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    task_status.started(listeners[0].socket.getsockname()[1])
    await trio.serve_listeners(handle, listeners)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def exchange(port: int, payload: bytes) -> bytes:
    """Send ``payload``, half-close, and read the echo until EOF.

    A reset by the far side ends the exchange like a close does: what arrived is returned (tests
    of refusals expect ``b""`` and accept either way of being refused).
    """
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    received = bytearray()
    async with stream:

        async def send() -> None:
            with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
                await stream.send_all(payload)
                await stream.send_eof()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(send)
            with contextlib.suppress(trio.BrokenResourceError):
                while data := await stream.receive_some(1 << 20):
                    received += data
    return bytes(received)


def peerstore_addresses(node: Node, peer: str) -> list[str]:
    """What ``node``'s peerstore knows of ``peer``'s addresses, without ``/p2p/<peer>``."""
    host = node._host
    assert host is not None
    pid = ID.from_base58(peer)
    try:
        known = host.get_peerstore().addrs(pid)  # type: ignore[attr-defined]
    except PeerStoreError:
        return []
    return [str(a) for a in usable_addresses(pid, known)]


# A DHT namespace other than the relay's (see app/engine/dht.py).
ELSEWHERE = "discovery: {network: elsewhere}\n"


def relayed_pair_dirs(
    tmp_path: Path, relay_dir: NodeDir, relay_addr: str, services: dict[str, str] | None = None
) -> tuple[NodeDir, NodeDir]:
    """home (serving ``services``) and laptop, both reserving on the relay, hole punching off,
    laptop in another DHT namespace: the relay is their only way to each other. Everyone
    authorized."""
    extra = f"relay: {{addresses: ['{relay_addr}']}}\n"
    # On loopback a hole punch succeeds at once; these pairs are for the relayed path.
    home = make_node_dir(tmp_path, "home", services=services, extra=extra, hole_punching=False)
    # The laptop uses another DHT namespace, so the relay cannot tell it home's direct address
    # (test_dht.py covers that).
    laptop = make_node_dir(
        tmp_path, "laptop", names={"home": home.peer_id}, extra=extra + ELSEWHERE,
        hole_punching=False,
    )  # fmt: skip
    for a, b in ((home, laptop), (laptop, home), (relay_dir, home), (relay_dir, laptop)):
        a.authorize(b)
    return home, laptop


@contextlib.asynccontextmanager
async def open_connected_pair(tmp_path: Path) -> AsyncIterator[tuple[Node, Node, PathInfo]]:
    """Two mutually authorized nodes on loopback, ``b`` connected to ``a``: (a, b, b's path)."""
    a = make_node_dir(tmp_path, "a")
    b = make_node_dir(tmp_path, "b")
    a.authorize(b)
    b.authorize(a)
    async with open_node(load_config(a.config_path), a.identity) as anode:
        addr = anode.status().listen_addresses[0]
        async with open_node(load_config(b.config_path), b.identity) as bnode:
            yield anode, bnode, await bnode.connect(a.peer_id, [addr])


async def accepts_tcp(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts a TCP connection on ``host:port`` (within 2 s)."""
    try:
        with trio.fail_after(2):
            stream = await trio.open_tcp_stream(host, port)
    except (OSError, trio.TooSlowError):
        return False
    await stream.aclose()
    return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for configs that need one up front)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
