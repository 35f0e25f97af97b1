"""The PeerBook takes authorization away at once: at an ``expires=`` time, and from a file that
someone else could have written. On trio's mock clock, with a wall clock that moves with it, real
config directories and real files. (The same with real nodes and connections: tests/hostile/.)
"""

from __future__ import annotations

import os
import pwd
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import pytest
import trio
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.peer.id import ID
from trio.testing import MockClock

from app.core.config import load_config
from app.core.errors import UnsafeFileError
from app.core.ids.peerid import PeerId
from app.core.peers.authkeys import AuthorizedKeysFile, format_expires
from app.core.status import AuthorizedKeysChanged, AuthorizedKeysProblem, Event, PeerExpired
from app.engine.bus import EventBus, Numbered
from app.engine.peerbook import AUTHKEYS_POLL_INTERVAL, EXPIRY_RECHECK, PeerBook
from app.engine.settings import SettingsStore
from tests.helpers.clock import TrioWallClock
from tests.helpers.nodes import NodeDir, make_node_dir

pytestmark = pytest.mark.trio
E = TypeVar("E")
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")

START = 1_800_000_000.0  # a whole second: expires= has whole seconds


def _new_peer() -> PeerId:
    return PeerId.parse(ID.from_pubkey(create_new_key_pair().public_key).to_base58())


class _Watched:
    """A PeerBook whose watcher runs, with every event it publishes and the times of the
    watcher's callbacks (trio time)."""

    def __init__(self, book: PeerBook, keys: AuthorizedKeysFile) -> None:
        self.book = book
        self.keys = keys
        self.events: list[Event] = []
        self.callbacks: list[float] = []

    async def on_change(self) -> None:
        self.callbacks.append(trio.current_time())

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]


@asynccontextmanager
async def _watched(node: NodeDir, clock: TrioWallClock) -> AsyncIterator[_Watched]:
    bus = EventBus()
    book = PeerBook(
        SettingsStore(load_config(node.config_path)), node.identity.peer_id, bus, clock=clock
    )
    watched = _Watched(book, AuthorizedKeysFile(node.path / "authorized_keys"))

    async def collect() -> None:
        async with bus.subscribe() as events:
            async for item in events:
                assert isinstance(item, Numbered)
                watched.events.append(item.event)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(collect)
        nursery.start_soon(book.watch, watched.on_change)
        await trio.lowlevel.checkpoint()
        yield watched
        nursery.cancel_scope.cancel()


def _line(peer: PeerId, expires: float | None, comment: str) -> str:
    return (
        f"{peer}  expires={format_expires(expires)}  # {comment}"
        if expires
        else f"{peer}  # {comment}"
    )


async def test_each_expiry_takes_effect_at_its_moment(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    node = make_node_dir(tmp_path, "node")
    a, b, c = _new_peer(), _new_peer(), _new_peer()
    (node.path / "authorized_keys").write_text(
        "\n".join([_line(a, START + 10, "a"), _line(b, START + 20, "b"), _line(c, None, "c"), ""])
    )
    clock = TrioWallClock(START)
    async with _watched(node, clock) as w:
        begun = trio.current_time()
        assert all(w.book.is_authorized(str(p)) for p in (a, b, c))
        await trio.sleep(10 - 0.001)
        assert w.book.is_authorized(str(a))
        assert w.callbacks == []
        await trio.sleep(0.001)  # the expiry itself: a timer, not a poll
        assert not w.book.is_authorized(str(a))
        assert w.book.is_expired(str(a))
        await trio.sleep(0.001)  # the timer woke at the same instant: let it run
        assert w.callbacks == [begun + 10]  # the gate drops a's connections now
        assert w.of(PeerExpired) == [PeerExpired(str(a), None, START + 10)]
        assert w.book.authorized_ids() == [str(b), str(c)]
        assert w.book.listed_ids() == [str(a), str(b), str(c)]
        (entry,) = [e for e in w.book.auth_entries() if e.peer_id == str(a)]
        assert (entry.expired, entry.expires_at) == (True, START + 10)

        # b's line is extended before it runs out: the timer follows the file.
        w.keys.set_attr(b, "expires", format_expires(START + 100))
        await trio.sleep(AUTHKEYS_POLL_INTERVAL + 0.5)
        reloads = len(w.callbacks)
        await trio.sleep(20 - trio.current_time() + begun)
        assert w.book.is_authorized(str(b))
        assert len(w.callbacks) == reloads
        await trio.sleep(100 - trio.current_time() + begun)
        assert not w.book.is_authorized(str(b))
        await trio.sleep(0.001)  # the timer woke at the same instant: let it run
        assert w.callbacks[-1] == begun + 100
        assert [e.peer_id for e in w.of(PeerExpired)] == [str(a), str(b)]

        # Authorizing an expired peer again (a new invite, auth add) renews its line.
        renewed = w.book.authorize(str(a), "a again")
        assert (renewed.expired, renewed.expires_at) == (False, None)
        assert w.book.is_authorized(str(a))
        assert w.book.is_authorized(str(c))  # never expires


async def test_a_wall_clock_set_forward_counts_at_once(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    node = make_node_dir(tmp_path, "node")
    a = _new_peer()
    (node.path / "authorized_keys").write_text(_line(a, START + 3600, "a") + "\n")
    clock = TrioWallClock(START)
    async with _watched(node, clock) as w:
        clock.advance(3600)  # a laptop wakes up an hour later: trio's clock did not move
        assert not w.book.is_authorized(str(a))  # every check reads the wall clock
        await trio.sleep(EXPIRY_RECHECK)
        assert [e.peer_id for e in w.of(PeerExpired)] == [str(a)]
        assert len(w.callbacks) == 1


async def test_lines_expired_before_the_start_are_refused_silently(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    node = make_node_dir(tmp_path, "node")
    a, b = _new_peer(), _new_peer()
    (node.path / "authorized_keys").write_text(
        f"{_line(a, START - 1, 'a')}\n{b}  expires=someday  # damaged\n"
    )
    async with _watched(node, TrioWallClock(START)) as w:
        await trio.sleep(2 * EXPIRY_RECHECK)
        assert not w.book.is_authorized(str(a))
        assert not w.book.is_authorized(str(b))  # an unreadable expiry is no "never"
        assert w.of(PeerExpired) == []
        assert w.callbacks == []


@posix_only
@pytest.mark.parametrize("how", ["world-writable", "group-writable", "other owner"])
async def test_an_unsafe_reload_keeps_the_last_good_list(
    tmp_path: Path, autojump_clock: MockClock, how: str
) -> None:
    if how == "other owner" and os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    node = make_node_dir(tmp_path, "node")
    friend, planted = _new_peer(), _new_peer()
    path = node.path / "authorized_keys"
    path.write_text(_line(friend, None, "friend") + "\n")
    async with _watched(node, TrioWallClock(START)) as w:
        with path.open("a") as fh:
            fh.write(f"{planted}  # planted\n")
        if how == "world-writable":
            path.chmod(0o666)
        elif how == "group-writable":
            path.chmod(0o620)
        else:
            os.chown(path, pwd.getpwnam("nobody").pw_uid, -1)
        await trio.sleep(5 * AUTHKEYS_POLL_INTERVAL)
        assert not w.book.is_authorized(str(planted))
        assert w.book.is_authorized(str(friend))
        assert w.callbacks == []
        (event,) = w.of(AuthorizedKeysProblem)  # once, not at every poll
        problem = event.problem
        assert problem.code == "unsafe-file"
        assert problem.path == str(path)
        assert ("owned by another user" if how == "other owner" else "insecure permissions") in (
            problem.message
        )
        assert problem.hint is not None
        assert f"chmod 600 {path}" in problem.hint
        assert w.book.problem == problem

        # The user looks, removes the planted line and fixes the file: all good again.
        path.write_text(_line(friend, None, "friend") + "\n")
        os.chown(path, os.geteuid(), -1)
        path.chmod(0o600)
        await trio.sleep(2 * AUTHKEYS_POLL_INTERVAL)
        assert w.book.problem is None
        assert w.of(AuthorizedKeysChanged)
        assert not w.book.is_authorized(str(planted))
        assert w.book.is_authorized(str(friend))


@posix_only
async def test_an_unsafe_file_at_start_is_refused(tmp_path: Path) -> None:
    node = make_node_dir(tmp_path, "node")
    path = node.path / "authorized_keys"
    path.write_text(f"{_new_peer()}  # planted\n")
    path.chmod(0o646)
    with pytest.raises(UnsafeFileError) as info:
        PeerBook(SettingsStore(load_config(node.config_path)), node.identity.peer_id, EventBus())
    assert info.value.hint == f"fix with: chmod 600 {path}"
