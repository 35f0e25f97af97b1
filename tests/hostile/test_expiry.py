"""Hostile: a peer whose authorization expires keeps what it has open (issue 15, item 6).

A guest authorized until a time (``expires=``, on any line: a relay pairing with ``--expires``,
or written by hand) holds a connection and a forwarded TCP connection to our service open past
that time, and then tries to come back. peer-up cuts it at the expiry (a timer, not a poll: the
old relay-only poll ran every 5 s) and refuses it from then on, while a friend without an expiry
is served throughout. Real nodes on loopback, the real clock: the cut is measured in real time.
"""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path
from typing import TypeVar

import pytest
import trio

from app.core.config import load_config
from app.core.errors import PeerupError
from app.core.ids.peerid import PeerId
from app.core.peers.authkeys import AuthorizedKeysFile, format_expires
from app.core.status import PeerExpired
from app.engine.bus import Numbered, Subscription
from app.engine.node import Node, open_node
from tests.helpers.nodes import exchange, make_node_dir, serve_echo

pytestmark = pytest.mark.trio
E = TypeVar("E")

CUT_WITHIN = 1.0  # seconds after the expiry


async def _next(events: Subscription, kind: type[E], limit: float) -> E:
    with trio.fail_after(limit):
        async for item in events:
            if isinstance(item, Numbered) and isinstance(item.event, kind):
                return item.event
    raise AssertionError("the events ended")


async def _open_forward_port(node: Node, peer: str) -> int:
    forward = await node.open_forward(peer, "echo", "127.0.0.1:0")
    return int(forward.listen_address.rsplit(":", 1)[1])


async def test_an_expired_guest_is_cut_at_once_and_cannot_come_back(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        echo = await nursery.start(serve_echo)
        home = make_node_dir(tmp_path, "home", services={"echo": f"127.0.0.1:{echo}"})
        guest = make_node_dir(tmp_path, "guest")
        friend = make_node_dir(tmp_path, "friend")
        for a, b in ((home, guest), (guest, home), (home, friend), (friend, home)):
            a.authorize(b)
        async with (
            open_node(load_config(home.config_path), home.identity) as hnode,
            open_node(load_config(guest.config_path), guest.identity) as gnode,
            open_node(load_config(friend.config_path), friend.identity) as fnode,
            hnode.subscribe() as events,
        ):
            addr = hnode.status().listen_addresses[0]
            await gnode.connect(home.peer_id, [addr])
            await fnode.connect(home.peer_id, [addr])
            guest_port = await _open_forward_port(gnode, home.peer_id)
            friend_port = await _open_forward_port(fnode, home.peer_id)

            # The guest holds a forwarded connection open: it works, and stays open.
            held = await trio.open_tcp_stream("127.0.0.1", guest_port)
            await held.send_all(b"hello")
            with trio.fail_after(10):
                assert await held.receive_some(5) == b"hello"

            # Its line gets an expiry two seconds ahead (whole seconds, as the file has them);
            # the running node reads the edit within a second.
            expires = math.ceil(time.time()) + 2
            AuthorizedKeysFile(home.path / "authorized_keys").set_attr(
                PeerId.parse(guest.peer_id), "expires", format_expires(expires)
            )

            # Cut at the expiry: the event, the guest's connection gone, the held TCP
            # connection ended.
            expired = await _next(events, PeerExpired, limit=10)
            assert expired == PeerExpired(guest.peer_id, None, float(expires))
            with trio.fail_after(CUT_WITHIN):
                while guest.peer_id in {p.peer_id for p in hnode.paths()}:  # noqa: ASYNC110
                    await trio.sleep(0.02)
            # (A reset is a cut too.)
            with trio.fail_after(CUT_WITHIN), contextlib.suppress(trio.BrokenResourceError):
                assert await held.receive_some(1 << 16) == b""
            cut = time.time()
            assert expires <= cut <= expires + CUT_WITHIN, cut - expires
            await held.aclose()

            # The lists say so.
            assert not hnode.is_authorized(guest.peer_id)
            (info,) = [p for p in hnode.peers() if p.peer_id == guest.peer_id]
            assert (info.authorized, info.expired, info.connected) == (False, True, False)
            (entry,) = [e for e in hnode.auth_entries() if e.peer_id == guest.peer_id]
            assert (entry.expired, entry.expires_at) == (True, float(expires))
            assert hnode.status().authorized_peers == 1

            # It cannot come back: not by a new dial, not by a ping (which dials too).
            with pytest.raises(PeerupError), trio.fail_after(30):
                await gnode.connect(home.peer_id, [addr])
            with trio.fail_after(30):
                results = [r async for r in gnode.ping(home.peer_id, count=1, interval=0)]
            assert results[0].error is not None
            assert guest.peer_id not in {p.peer_id for p in hnode.paths()}

            # The friend, with no expiry, was served throughout and still is.
            assert friend.peer_id in {p.peer_id for p in hnode.paths()}
            with trio.fail_after(20):
                assert await exchange(friend_port, b"still here") == b"still here"
                results = [r async for r in fnode.ping(home.peer_id, count=1, interval=0)]
            assert results[0].error is None
        nursery.cancel_scope.cancel()


async def test_a_line_that_expired_before_the_start_never_lets_its_peer_in(
    tmp_path: Path,
) -> None:
    home = make_node_dir(tmp_path, "home")
    guest = make_node_dir(tmp_path, "guest")
    friend = make_node_dir(tmp_path, "friend")
    for a, b in ((home, guest), (guest, home), (home, friend), (friend, home)):
        a.authorize(b)
    keys = AuthorizedKeysFile(home.path / "authorized_keys")
    keys.set_attr(PeerId.parse(guest.peer_id), "expires", format_expires(time.time() - 60))
    async with (
        open_node(load_config(home.config_path), home.identity) as hnode,
        open_node(load_config(guest.config_path), guest.identity) as gnode,
        open_node(load_config(friend.config_path), friend.identity) as fnode,
    ):
        addr = hnode.status().listen_addresses[0]
        with pytest.raises(PeerupError), trio.fail_after(30):
            await gnode.connect(home.peer_id, [addr])
        assert guest.peer_id not in {p.peer_id for p in hnode.paths()}
        await fnode.connect(home.peer_id, [addr])
        with trio.fail_after(20):
            results = [r async for r in fnode.ping(home.peer_id, count=1, interval=0)]
        assert results[0].error is None
