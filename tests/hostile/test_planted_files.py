"""Hostile: a stranger's line planted in a file that grants access (issue 15, item 5).

Another local user who may write authorized_keys (a world- or group-writable file, or one that
user owns) could add their own peer ID and be let in; the relay's pairing state files (a planted
group or membership) likewise. peer-up refuses such a file: at start the node does not run (the
daemon exits 1 with the fix), and a hot reload of a file that became unsafe keeps the last good
list. Each test ends with the node serving its authorized peer. The other owner is a real uid
(``nobody``, chown needs root): real nodes on loopback, real ``peerup daemon`` processes.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import trio

from app.core.config import load_config
from app.core.errors import PeerUnreachableError, UnsafeFileError
from app.core.ids.peerid import PeerId
from app.core.peers.authkeys import AuthorizedKeysFile
from app.core.status import AuthorizedKeysProblem, ConnectionRefused
from app.engine.bus import Numbered, Subscription
from app.engine.node import Node, open_node
from app.engine.relaypair import MEMBERSHIP_FILE, STATE_FILE
from tests.helpers.daemons import DaemonProcess, daemon_env
from tests.helpers.nodes import NodeDir, exchange, make_node_dir, serve_echo

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX owners and modes")
as_root = pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() != 0, reason="giving a file to another user needs root"
)


def _nobody() -> int:
    return pwd.getpwnam("nobody").pw_uid


def _plant(path: Path, stranger: NodeDir, how: str) -> None:
    """What another local user could do to ``path``: a line of theirs, in a file they may
    write (``world-writable``, ``group-writable``) or own (``other-owner``)."""
    with path.open("a") as fh:
        fh.write(f"{stranger.peer_id}  # planted\n")
    if how == "world-writable":
        path.chmod(0o666)
    elif how == "group-writable":
        path.chmod(0o660)
    else:
        os.chown(path, _nobody(), -1)


def _restore(path: Path, stranger: NodeDir) -> None:
    """The user looks and repairs: the planted line out, the file ours and 0600 again."""
    kept = [line for line in path.read_text().splitlines() if stranger.peer_id not in line]
    path.write_text("\n".join(kept) + "\n")
    os.chown(path, os.geteuid(), -1)
    path.chmod(0o600)


def _problem_words(how: str) -> str:
    return "owned by another user" if how == "other-owner" else "insecure permissions"


def _sole(exc: BaseException) -> BaseException:
    """The one exception inside nested one-member groups (a node's nursery wraps it)."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def _hows() -> Iterator[object]:
    yield "world-writable"
    yield "group-writable"
    yield pytest.param("other-owner", marks=as_root)


E = TypeVar("E")


async def _next(events: Subscription, kind: type[E]) -> E:
    """The next event of ``kind`` (within 10 s)."""
    with trio.fail_after(10):
        async for item in events:
            if isinstance(item, Numbered) and isinstance(item.event, kind):
                return item.event
    raise AssertionError("the events ended")


async def _served(home: Node, friend: Node, port: int) -> None:
    """``friend`` still reaches ``home``: a ping and a forwarded exchange."""
    with trio.fail_after(20):
        results = [r async for r in friend.ping(home.peer_id, count=1, interval=0)]
        assert results[0].error is None, results
        assert await exchange(port, b"still served") == b"still served"


@pytest.mark.trio
@pytest.mark.parametrize("how", list(_hows()))
async def test_a_line_planted_in_a_running_nodes_file_is_refused(tmp_path: Path, how: str) -> None:
    async with trio.open_nursery() as nursery:
        echo = await nursery.start(serve_echo)
        home = make_node_dir(tmp_path, "home", services={"echo": f"127.0.0.1:{echo}"})
        friend = make_node_dir(tmp_path, "friend")
        stranger = make_node_dir(tmp_path, "stranger")
        home.authorize(friend)
        friend.authorize(home)
        stranger.authorize(home)
        keys = home.path / "authorized_keys"
        async with (
            open_node(load_config(home.config_path), home.identity) as hnode,
            open_node(load_config(friend.config_path), friend.identity) as fnode,
            open_node(load_config(stranger.config_path), stranger.identity) as snode,
            hnode.subscribe() as events,
        ):
            addr = hnode.status().listen_addresses[0]
            await fnode.connect(home.peer_id, [addr])
            forward = await fnode.open_forward(home.peer_id, "echo", "127.0.0.1:0")
            port = int(forward.listen_address.rsplit(":", 1)[1])
            await _served(hnode, fnode, port)

            _plant(keys, stranger, how)
            # The next poll (every second) looks and refuses.
            problem = (await _next(events, AuthorizedKeysProblem)).problem
            assert problem.code == "unsafe-file"
            assert _problem_words(how) in problem.message
            assert problem.hint is not None
            assert f"chmod 600 {keys}" in problem.hint
            assert hnode.status().authorized_keys_problem == problem

            # The stranger's line is not in force: its connection is refused.
            assert not hnode.is_authorized(stranger.peer_id)
            with pytest.raises(PeerUnreachableError), trio.fail_after(30):
                await snode.connect(home.peer_id, [addr])
            assert (await _next(events, ConnectionRefused)).peer_id == stranger.peer_id
            assert stranger.peer_id not in {p.peer_id for p in hnode.paths()}
            # The last good list stays: the friend, connected all along, is still served.
            assert friend.peer_id in {p.peer_id for p in hnode.paths()}
            await _served(hnode, fnode, port)

            _restore(keys, stranger)
            with trio.fail_after(10):
                while hnode.status().authorized_keys_problem is not None:  # noqa: ASYNC110
                    await trio.sleep(0.2)
            assert not hnode.is_authorized(stranger.peer_id)
            await _served(hnode, fnode, port)
        nursery.cancel_scope.cancel()


@pytest.mark.trio
@pytest.mark.parametrize("how", list(_hows()))
async def test_a_planted_authorized_keys_stops_the_node_before_it_listens(
    tmp_path: Path, how: str
) -> None:
    async with trio.open_nursery() as nursery:
        echo = await nursery.start(serve_echo)
        home = make_node_dir(tmp_path, "home", services={"echo": f"127.0.0.1:{echo}"})
        friend = make_node_dir(tmp_path, "friend")
        stranger = make_node_dir(tmp_path, "stranger")
        home.authorize(friend)
        friend.authorize(home)
        keys = home.path / "authorized_keys"
        _plant(keys, stranger, how)
        with pytest.raises((UnsafeFileError, BaseExceptionGroup)) as info:
            async with open_node(load_config(home.config_path), home.identity):
                pytest.fail("the node started on a planted authorized_keys")
        refused = _sole(info.value)
        assert isinstance(refused, UnsafeFileError)
        assert _problem_words(how) in refused.message

        _restore(keys, stranger)
        async with (
            open_node(load_config(home.config_path), home.identity) as hnode,
            open_node(load_config(friend.config_path), friend.identity) as fnode,
        ):
            await fnode.connect(home.peer_id, [hnode.status().listen_addresses[0]])
            forward = await fnode.open_forward(home.peer_id, "echo", "127.0.0.1:0")
            await _served(hnode, fnode, int(forward.listen_address.rsplit(":", 1)[1]))
            assert not hnode.is_authorized(stranger.peer_id)
        nursery.cancel_scope.cancel()


@pytest.mark.trio
@pytest.mark.parametrize("state_file", [STATE_FILE, MEMBERSHIP_FILE])
@pytest.mark.parametrize("how", list(_hows()))
async def test_planted_relay_pairing_state_stops_the_node(
    tmp_path: Path, state_file: str, how: str
) -> None:
    relay = make_node_dir(tmp_path, "relay", extra="relay_service: {enabled: true}\n")
    member = make_node_dir(tmp_path, "member")
    relay.authorize(member)
    member.authorize(relay)
    path = relay.path / state_file
    # A group the relay never opened (or a membership it never joined): valid JSON, planted.
    path.write_text('{"version": 1, "groups": [], "memberships": []}\n')
    path.chmod(0o600)
    if how == "other-owner":
        os.chown(path, _nobody(), -1)
    else:
        path.chmod(0o666 if how == "world-writable" else 0o660)
    with pytest.raises((UnsafeFileError, BaseExceptionGroup)) as info:
        async with open_node(load_config(relay.config_path), relay.identity):
            pytest.fail("the node started on a planted pairing state")
    refused = _sole(info.value)
    assert isinstance(refused, UnsafeFileError)
    assert str(path) in refused.message
    assert _problem_words(how) in refused.message
    assert path.exists()  # refused, not moved aside: the user must look at it

    path.unlink()  # the user removes what they did not write
    async with (
        open_node(load_config(relay.config_path), relay.identity) as rnode,
        open_node(load_config(member.config_path), member.identity) as mnode,
    ):
        await mnode.connect(relay.peer_id, [rnode.status().listen_addresses[0]])
        with trio.fail_after(20):
            results = [r async for r in mnode.ping(relay.peer_id, count=1, interval=0)]
        assert results[0].error is None


def _daemon(node: NodeDir, *args: str) -> subprocess.CompletedProcess[str]:
    runtime = node.path / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    return subprocess.run(
        [*DaemonProcess.base_command(), "--config", str(node.config_path), *args],
        env=daemon_env(runtime),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.e2e
@pytest.mark.parametrize("how", ["world-writable", pytest.param("other-owner", marks=as_root)])
def test_the_daemon_refuses_a_planted_file_like_a_bad_config(tmp_path: Path, how: str) -> None:
    home = make_node_dir(tmp_path, "home")
    stranger = make_node_dir(tmp_path, "stranger")
    keys = home.path / "authorized_keys"
    _plant(keys, stranger, how)
    out = _daemon(home, "daemon")
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert f"Error: authorized_keys {keys} " in out.stderr
    assert _problem_words(how) in out.stderr
    assert f"Hint: fix with: {'chown' if how == 'other-owner' else 'chmod 600'}" in out.stderr
    assert "listening on" not in out.stderr
    # The same exit code as a config that others may read.
    _restore(keys, stranger)
    home.config_path.chmod(0o644)
    bad_config = _daemon(home, "daemon")
    assert bad_config.returncode == out.returncode
    assert "Hint: fix with: chmod 600" in bad_config.stderr


@pytest.mark.e2e
def test_the_relay_refuses_planted_pairing_state(tmp_path: Path) -> None:
    relay = make_node_dir(tmp_path, "relay")
    state = relay.path / STATE_FILE
    state.write_text('{"version": 1, "groups": []}\n')
    state.chmod(0o646)
    out = _daemon(relay, "relay", "serve")
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert f"Error: relay pairing file {state} has insecure permissions 0646" in out.stderr
    assert f"Hint: fix with: chmod 600 {state}" in out.stderr


def test_an_unsafe_file_is_not_edited_either(tmp_path: Path) -> None:
    home = make_node_dir(tmp_path, "home")
    stranger = make_node_dir(tmp_path, "stranger")
    keys = home.path / "authorized_keys"
    _plant(keys, stranger, "world-writable")
    before = keys.read_bytes()
    with pytest.raises(UnsafeFileError):
        AuthorizedKeysFile(keys).add(PeerId.parse(make_node_dir(tmp_path, "x").peer_id))
    assert keys.read_bytes() == before  # an edit would have laundered the planted line
