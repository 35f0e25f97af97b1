"""A relay is not a peer (issue 15, item 7): what the relay of our pairing group may do to us.

The relay is a real peer-up relay node whose operator turned hostile: it paired us (so it holds
our group's secrets) and now tries our services, verification, and introductions past the size
and the time our join recorded. Each test ends with our authorized peers still served.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID

from app.core.codes.paircode import parse_pairing_code
from app.core.config import load_config
from app.core.ids.names import service_protocol_id
from app.core.ids.peerid import PeerId
from app.core.pairing.relaypair import (
    KEEP_EXPIRED,
    Introduction,
    Member,
    Membership,
    MembershipBook,
    encode_notify,
    intro_proof,
    member_key,
)
from app.core.peers import admission
from app.core.peers.authkeys import AuthorizedKeysFile
from app.engine.node import Node, open_node
from app.engine.relaypair import MEMBERSHIP_FILE
from app.engine.splice import read_to_eof
from app.util.fsio import atomic_write_bytes
from tests.helpers.clock import TrioWallClock
from tests.helpers.nodes import NodeDir, exchange, free_port, make_node_dir, serve_echo
from tests.hostile.attack import opened
from tests.unit.engine.compat.hosts import noise_host, running

pytestmark = pytest.mark.trio


def _relay_dir(tmp_path: Path) -> NodeDir:
    return make_node_dir(
        tmp_path,
        "relay",
        extra="relay_service: {enabled: true}\n",
        hole_punching=False,
        listen=f"/ip4/127.0.0.1/tcp/{free_port()}",
    )


def _keys(node: NodeDir) -> dict[str, dict[str, str]]:
    entries = AuthorizedKeysFile(node.path / "authorized_keys").load()
    return {str(e.peer_id): dict(e.attributes) for e in entries}


def _stranger() -> PeerId:
    return PeerId.parse(ID.from_pubkey(create_new_key_pair().public_key).to_base58())


async def _introduce(relay: Node, member: Node, intro: Introduction) -> bytes:
    """The relay sends ``intro`` to ``member``: its answer byte (0x01 taken, 0x00 refused)."""
    host = relay._require_host()
    await relay.connect(member.peer_id, member.status().listen_addresses)
    with trio.fail_after(10):
        stream = await host.new_stream(  # type: ignore[attr-defined]
            ID.from_base58(member.peer_id), [TProtocol(admission.NOTIFY)]
        )
        await stream.write(encode_notify(intro))
        await stream.close_write()
        return await read_to_eof(stream, 1)


async def _forward_echo(client: Node, server: Node) -> None:
    await client.connect(server.peer_id, server.status().listen_addresses)
    forward = await client.open_forward(server.peer_id, "echo", "127.0.0.1:0")
    port = int(forward.listen_address.rsplit(":", 1)[1])
    with trio.fail_after(20):
        assert await exchange(port, b"members only") == b"members only"


async def test_the_relay_of_our_group_may_not_use_a_service_nor_verify(tmp_path: Path) -> None:
    relay_dir = _relay_dir(tmp_path)
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        member = make_node_dir(
            tmp_path, "member", services={"echo": f"127.0.0.1:{echo_port}"}, hole_punching=False
        )
        other = make_node_dir(tmp_path, "other", hole_punching=False)
        async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
            assert relay.pairing is not None
            group = relay.pairing.create_group(count=2, ttl=600, namespace=None)
            async with (
                open_node(load_config(member.config_path), member.identity) as mnode,
                open_node(load_config(other.config_path), other.identity) as onode,
            ):
                assert mnode.pairing is not None
                assert onode.pairing is not None
                await mnode.pairing.join(group.codes[0], "member")
                await onode.pairing.join(group.codes[1], "other")
                assert _keys(member)[relay.peer_id]["role"] == "relay"
                assert _keys(member)[relay.peer_id]["group"] == group.group_id

                # The relay's operator tries everything a peer could do.
                await relay.connect(mnode.peer_id, mnode.status().listen_addresses)
                attempts = [
                    service_protocol_id("echo"),
                    admission.VERIFY,
                    admission.PING,
                    admission.REACHABILITY,
                    admission.DCUTR,
                    mnode.config.ping_protocol,
                ]
                assert await opened(relay._require_host(), mnode.peer_id, attempts) == set()
                pings = [r async for r in relay.ping(mnode.peer_id, count=1, interval=0)]
                assert pings[0].rtt_ms is None

                # Not a peer: not listed as one (the tray shows `peers()`), but among the others.
                assert relay.peer_id not in {p.peer_id for p in mnode.peers()}
                (shown,) = [
                    p for p in mnode.peers(include_unauthorized=True) if p.peer_id == relay.peer_id
                ]
                assert (shown.role, shown.authorized) == ("relay", False)
                assert mnode.status().authorized_peers == 1  # "other", introduced

                # The member's peers still reach its service (the introduced one included).
                await _forward_echo(onode, mnode)
            nursery.cancel_scope.cancel()


async def test_introductions_beyond_the_groups_size_or_time_are_refused(tmp_path: Path) -> None:
    relay_dir = _relay_dir(tmp_path)
    clock = TrioWallClock()
    async with trio.open_nursery() as nursery:
        echo_port = await nursery.start(serve_echo)
        member = make_node_dir(
            tmp_path, "member", services={"echo": f"127.0.0.1:{echo_port}"}, hole_punching=False
        )
        friend = make_node_dir(tmp_path, "friend", hole_punching=False)
        member.authorize(friend)
        friend.authorize(member)
        async with open_node(
            load_config(relay_dir.config_path), relay_dir.identity, clock=clock
        ) as relay:
            assert relay.pairing is not None
            group = relay.pairing.create_group(count=3, ttl=600, namespace=None)
            token = parse_pairing_code(group.codes[0]).token
            async with (
                open_node(load_config(member.config_path), member.identity, clock=clock) as mnode,
                open_node(load_config(friend.config_path), friend.identity, clock=clock) as fnode,
            ):
                assert mnode.pairing is not None
                await mnode.pairing.join(group.codes[0], "member")
                me = PeerId.parse(mnode.peer_id)
                key = member_key(token)

                def intro(size: int, *peers: PeerId) -> Introduction:
                    """An introduction the relay really can make: valid proofs for us."""
                    return Introduction(
                        group.group_id,
                        size,
                        tuple(
                            (Member(p, "x"), intro_proof(key, group.group_id, p, me)) for p in peers
                        ),
                    )

                # Three more members for a group of three codes, claiming a bigger group.
                extra = [_stranger() for _ in range(3)]
                assert await _introduce(relay, mnode, intro(200, *extra)) == b"\x00"
                assert not {str(p) for p in extra} & _keys(member).keys()
                # Within the size and time: taken.
                assert await _introduce(relay, mnode, intro(3, extra[0])) == b"\x01"
                assert str(extra[0]) in _keys(member)
                # The group expired (our code said when) and the relay's week of deliveries too.
                clock.advance(600 + KEEP_EXPIRED + 1)
                assert await _introduce(relay, mnode, intro(3, extra[1])) == b"\x00"
                assert str(extra[1]) not in _keys(member)

                await _forward_echo(fnode, mnode)
            nursery.cancel_scope.cancel()


async def test_a_relay_paired_before_roles_existed_is_a_relay_from_the_next_start(
    tmp_path: Path,
) -> None:
    """An old join wrote the relay as a peer: the node marks it ``role=relay`` when it starts."""
    attacker = noise_host()
    async with trio.open_nursery() as nursery, running(attacker):
        echo_port = await nursery.start(serve_echo)
        member = make_node_dir(
            tmp_path, "member", services={"echo": f"127.0.0.1:{echo_port}"}, hole_punching=False
        )
        friend = make_node_dir(tmp_path, "friend", hole_punching=False)
        member.authorize(friend)
        friend.authorize(member)
        relay = PeerId.parse(attacker.get_id().to_base58())
        keys = AuthorizedKeysFile(member.path / "authorized_keys")
        keys.add(relay, "relay")
        keys.set_attr(relay, "group", "0a0b0c0d")
        keys.set_attr(relay, "hmac_proof", "ab" * 32)
        atomic_write_bytes(
            member.path / MEMBERSHIP_FILE,
            MembershipBook([Membership("0a0b0c0d", str(relay), None, 0.0)]).to_json(),
            mode=0o600,
        )
        async with (
            open_node(load_config(member.config_path), member.identity) as mnode,
            open_node(load_config(friend.config_path), friend.identity) as fnode,
        ):
            assert _keys(member)[str(relay)]["role"] == "relay"
            await mnode.connect(str(relay), [str(attacker.get_addrs()[0])])
            attempts = [service_protocol_id("echo"), admission.VERIFY, admission.PING]
            assert await opened(attacker, mnode.peer_id, attempts) == set()
            assert await opened(attacker, mnode.peer_id, [admission.NOTIFY]) == {admission.NOTIFY}
            await _forward_echo(fnode, mnode)
        nursery.cancel_scope.cancel()
