"""The tray's state → icon, tooltip and menu mapping (a pure function; QtCore only)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from app.api.models import Snapshot
from app.core.status import (
    FileProblem,
    ForwardInfo,
    ForwardState,
    Grade,
    KeyChangeInfo,
    NodeStatus,
    PathInfo,
    PathType,
    PeerInfo,
    Reachability,
)
from app.gui.i18n import install_translations
from app.gui.view import Connection, Icon, forward_command, service_kind, tray_view
from tests.helpers.factories import node_status, reachability, settings


@pytest.fixture(autouse=True)
def _english(qapp: object) -> None:  # translators need the application object, no widgets
    assert install_translations("en") == "en"


def _reach(grade: Grade) -> Reachability:
    return reachability(grade, "x")


def _status(**kw: object) -> NodeStatus:
    return node_status(reachability=_reach(Grade.B), **kw)


def _peer(name: str, path: PathType | None, *, verified: bool = True, rtt: float = 12) -> PeerInfo:
    pid = f"12D3KooW{name}"
    info = None
    if path is not None:
        info = PathInfo(pid, path, "/ip4/127.0.0.1/tcp/1", "tcp", "ipv4", 0.0, rtt, verified)
    return PeerInfo(
        peer_id=pid,
        name=name,
        authorized=True,
        verified=verified,
        connected=info is not None,
        path=info,
        reachability=_reach(Grade.A),
    )


def _snapshot(*peers: PeerInfo, **kw: object) -> Snapshot:
    return Snapshot(seq=1, status=_status(), settings=settings(), peers=peers, **kw)  # type: ignore[arg-type]


def test_not_online_states() -> None:
    assert tray_view(None, Connection.CONNECTING).icon is Icon.CONNECTING
    offline = tray_view(None, Connection.OFFLINE)
    assert offline.icon is Icon.OFFLINE
    assert not offline.online
    assert offline.peers == ()
    paused = tray_view(_snapshot(), Connection.PAUSED)
    assert paused.paused
    assert paused.status == "Paused"


def test_status_line_counts_direct_and_relayed_peers() -> None:
    view = tray_view(
        _snapshot(
            _peer("laptop", PathType.DIRECT),
            _peer("nas", PathType.RELAYED, rtt=140),
            _peer("phone", PathType.DIRECT),
            _peer("old", None),
        ),
        Connection.ONLINE,
    )
    assert view.status == "Online · 3 peers · 2 direct, 1 relayed · Reachability B"
    assert view.icon is Icon.ONLINE_RELAYED
    assert view.tooltip == "peer-up: " + view.status
    assert [p.text for p in view.peers] == [
        "laptop  [A · Direct 12 ms]",
        "nas  [A · Relayed 140 ms]",
        "phone  [A · Direct 12 ms]",
        "old  [A · offline]",
    ]
    assert view.online


def test_all_direct_is_the_direct_icon() -> None:
    view = tray_view(_snapshot(_peer("laptop", PathType.DIRECT)), Connection.ONLINE)
    assert view.icon is Icon.ONLINE_DIRECT
    assert view.status == "Online · 1 peer · 1 direct, 0 relayed · Reachability B"


def test_attention_for_an_unverified_peer_a_failed_forward_and_a_key_change() -> None:
    unverified = tray_view(
        _snapshot(_peer("nas", PathType.DIRECT, verified=False)), Connection.ONLINE
    )
    assert unverified.icon is Icon.ATTENTION
    assert unverified.peers[0].text.endswith("[UNVERIFIED]")
    assert unverified.attention == ("1 unverified peer",)

    failed = ForwardInfo(
        id="f1",
        peer_id="12D3KooWnas",
        peer_name="nas",
        service="ssh",
        listen_address="127.0.0.1:2222",
        state=ForwardState.FAILED,
        verified=True,
    )
    view = tray_view(_snapshot(forwards=(failed,)), Connection.ONLINE)
    assert view.icon is Icon.ATTENTION
    assert view.attention == ("A forward failed",)
    [line] = view.forwards
    assert line.text == "ssh → nas @ 127.0.0.1:2222 · failed"
    assert line.command == "ssh -p 2222 localhost"

    change = KeyChangeInfo("nas", "12D3KooWold", "12D3KooWnew", True, "changed")
    state = Snapshot(seq=1, status=_status(key_changes=(change,)), settings=settings())
    assert tray_view(state, Connection.ONLINE).attention == ("A peer's key changed",)

    problem = FileProblem("/c/authorized_keys", "unsafe-file", "insecure", "fix with: chmod 600")
    state = Snapshot(seq=1, status=_status(authorized_keys_problem=problem), settings=settings())
    view = tray_view(state, Connection.ONLINE)
    assert view.icon is Icon.ATTENTION
    assert view.attention == ("The list of authorized peers was not reloaded",)


@pytest.mark.parametrize(
    ("service", "listen", "command"),
    [
        ("ssh", "127.0.0.1:2222", "ssh -p 2222 localhost"),
        ("home-ssh", "0.0.0.0:2200", "ssh -p 2200 localhost"),
        ("sftp", "192.168.1.5:2022", "ssh -p 2022 192.168.1.5"),
        ("web", "127.0.0.1:8080", "http://localhost:8080"),
        ("http", "[::1]:8081", "http://localhost:8081"),
        ("https", "127.0.0.1:8443", "https://localhost:8443"),
        ("grafana_web", "[fd00::5]:3000", "http://[fd00::5]:3000"),
        ("postgres", "127.0.0.1:5432", "localhost:5432"),
        ("sshfoo", "127.0.0.1:9000", "localhost:9000"),
    ],
)
def test_copy_command_says_what_to_type(service: str, listen: str, command: str) -> None:
    assert (
        forward_command(
            ForwardInfo("f1", "12D3KooWnas", "nas", service, listen, ForwardState.LISTENING)
        )
        == command
    )


def test_service_kind() -> None:
    assert service_kind("SSH") == "ssh"
    assert service_kind("my.web") == "http"
    assert service_kind("mqtt") is None
