"""What the tray shows for a state: icon, tooltip and menu contents, as plain values.

:func:`tray_view` is a pure function of the folded watch state (:class:`~app.api.models.Snapshot`)
and the bridge's connection state; :mod:`app.gui.tray` turns its result into a ``QSystemTrayIcon``
and a ``QMenu``. Keeping the mapping here lets it be tested without widgets. Texts go through
``QCoreApplication.translate`` (context ``"Tray"``), which needs QtCore only.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from app.api.models import Snapshot
from app.core.status import ForwardInfo, ForwardState, PathType, PeerInfo, VerifyState

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate


class Connection(enum.StrEnum):
    """Where the tray's link to the engine stands (the bridge's ``connection_changed``)."""

    CONNECTING = "connecting"  # starting the engine or (re)connecting to the API
    ONLINE = "online"  # the watch stream delivers the state
    OFFLINE = "offline"  # no daemon answers; the bridge keeps trying
    PAUSED = "paused"  # the user paused peer-up


class Icon(enum.StrEnum):
    """The tray icon's states; each names an SVG in ``resources/icons``."""

    OFFLINE = "offline"
    CONNECTING = "connecting"  # animated: connecting-0.svg, connecting-1.svg, ...
    ONLINE_DIRECT = "online-direct"
    ONLINE_RELAYED = "online-relayed"
    ATTENTION = "attention"


@dataclass(frozen=True, slots=True)
class PeerLine:
    """One entry of the Peers submenu."""

    peer_id: str
    text: str
    connected: bool
    verified: bool


@dataclass(frozen=True, slots=True)
class ForwardLine:
    """One entry of the Forwards submenu, with the command its "Copy command" copies."""

    forward_id: str
    text: str
    command: str


@dataclass(frozen=True, slots=True)
class TrayView:
    """Everything the tray shows for one state.

    Attributes:
        icon: The icon to draw.
        tooltip: One line of state.
        status: The menu's first, disabled line.
        attention: Why the icon asks for attention (one short line each), empty when it does not.
        peers: The Peers submenu (authorized peers, connected first).
        forwards: The Forwards submenu.
        online: Whether actions that need the engine (test reachability) can run.
        paused: Whether the Pause/Resume entry says "Resume".
        requests: Peers asking to verify this device (each a menu entry opening the dialog).
    """

    icon: Icon
    tooltip: str
    status: str
    attention: tuple[str, ...]
    peers: tuple[PeerLine, ...]
    forwards: tuple[ForwardLine, ...]
    online: bool
    paused: bool
    requests: tuple[PeerLine, ...] = ()


def tray_view(state: Snapshot | None, connection: Connection) -> TrayView:
    """Map the watch state and the connection state to what the tray shows.

    Args:
        state: The folded watch state, or None before the first snapshot.
        connection: The bridge's connection state.

    Returns:
        The icon, tooltip and menu contents.
    """
    if connection is not Connection.ONLINE or state is None:
        return _not_online(connection)
    peers = sorted(
        (p for p in state.peers if p.authorized),
        key=lambda p: (not p.connected, (p.name or p.peer_id).lower()),
    )
    connected = [p for p in peers if p.connected]
    relayed = sum(1 for p in connected if p.path and p.path.path_type is PathType.RELAYED)
    direct = len(connected) - relayed
    attention = _attention(state, peers)
    grade = state.status.reachability.grade if state.status.reachability else None

    parts = [translate("Tray", "Online"), translate("Tray", "%n peer(s)", None, len(connected))]
    if connected:
        parts.append(
            translate("Tray", "%1 direct, %2 relayed")
            .replace("%1", str(direct))
            .replace("%2", str(relayed))
        )
    if grade is not None:
        parts.append(translate("Tray", "Reachability %1").replace("%1", grade.value))
    status = " · ".join(parts)

    if attention:
        icon = Icon.ATTENTION
    elif relayed:
        icon = Icon.ONLINE_RELAYED
    elif connected:
        icon = Icon.ONLINE_DIRECT
    else:
        icon = Icon.ONLINE_DIRECT if grade is not None else Icon.CONNECTING
    tooltip = "peer-up: " + status + (" · " + attention[0] if attention else "")
    return TrayView(
        icon=icon,
        tooltip=tooltip,
        status=status,
        attention=attention,
        peers=tuple(_peer_line(p) for p in peers),
        forwards=tuple(_forward_line(f) for f in state.forwards),
        online=True,
        paused=False,
        requests=_requests(state),
    )


def _requests(state: Snapshot) -> tuple[PeerLine, ...]:
    """One "Verify …" entry per peer whose request waits for our answer."""
    names = {p.peer_id: p.name for p in state.peers}
    out: dict[str, PeerLine] = {}
    for s in state.verify_sessions:
        if s.role == "responder" and s.state is VerifyState.ASKING:
            name = names.get(s.peer_id) or s.peer_name or s.peer_id[:12] + "…"
            text = translate("Tray", "Verify %1 (asks now)…").replace("%1", name)
            out[s.peer_id] = PeerLine(s.peer_id, text, True, False)
    return tuple(out.values())


def _not_online(connection: Connection) -> TrayView:
    if connection is Connection.PAUSED:
        icon, status = Icon.OFFLINE, translate("Tray", "Paused")
    elif connection is Connection.OFFLINE:
        icon, status = Icon.OFFLINE, translate("Tray", "Offline: the peer-up engine is not running")
    else:
        icon, status = Icon.CONNECTING, translate("Tray", "Connecting…")
    return TrayView(
        icon=icon,
        tooltip="peer-up: " + status,
        status=status,
        attention=(),
        peers=(),
        forwards=(),
        online=False,
        paused=connection is Connection.PAUSED,
    )


def _attention(state: Snapshot, peers: list[PeerInfo]) -> tuple[str, ...]:
    """Why the user should look: each reason once, most urgent first."""
    reasons: list[str] = []
    if state.status.authorized_keys_problem is not None:
        reasons.append(translate("Tray", "The list of authorized peers was not reloaded"))
    if state.status.key_changes:
        reasons.append(translate("Tray", "A peer's key changed"))
    if any(s.role == "responder" and s.state is VerifyState.ASKING for s in state.verify_sessions):
        reasons.append(translate("Tray", "A peer asks to verify"))
    if any(f.state is ForwardState.FAILED for f in state.forwards):
        reasons.append(translate("Tray", "A forward failed"))
    unverified = sum(1 for p in peers if not p.verified)
    if unverified:
        reasons.append(translate("Tray", "%n unverified peer(s)", None, unverified))
    return tuple(reasons)


def _peer_line(peer: PeerInfo) -> PeerLine:
    name = peer.name or peer.peer_id[:12] + "…"
    grade = peer.reachability.grade.value if peer.reachability else "?"
    if peer.connected and peer.path is not None:
        how = (
            translate("Tray", "Direct")
            if peer.path.path_type is PathType.DIRECT
            else translate("Tray", "Relayed")
        )
        if peer.path.rtt_ms is not None:
            how += f" {peer.path.rtt_ms:.0f} ms"
    else:
        how = translate("Tray", "offline")
    text = f"{name}  [{grade} · {how}]"
    if not peer.verified:
        text += "  " + translate("Tray", "[UNVERIFIED]")
    return PeerLine(peer.peer_id, text, peer.connected, peer.verified)


def _forward_state(state: ForwardState) -> str:
    return {
        ForwardState.STARTING: translate("Tray", "starting"),
        ForwardState.LISTENING: translate("Tray", "listening"),
        ForwardState.FAILED: translate("Tray", "failed"),
        ForwardState.STOPPED: translate("Tray", "stopped"),
        ForwardState.CLOSED: translate("Tray", "closed"),
    }[state]


def _forward_line(forward: ForwardInfo) -> ForwardLine:
    peer = forward.peer_name or forward.peer_id[:12] + "…"
    text = (
        f"{forward.service} → {peer} @ {forward.listen_address} · {_forward_state(forward.state)}"
    )
    if not forward.verified:
        text += "  " + translate("Tray", "[UNVERIFIED]")
    return ForwardLine(forward.id, text, forward_command(forward))


# Service names (or their dash/underscore-separated words) that say how a client reaches them.
_KIND_WORDS = {
    "ssh": frozenset({"ssh", "sftp", "scp"}),
    "https": frozenset({"https"}),
    "http": frozenset({"http", "web", "www", "website", "site"}),
}
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost", "0.0.0.0", "::", ""})


def service_kind(service: str) -> str | None:
    """``ssh``, ``https`` or ``http`` when a service's name says what it is, else None."""
    words = set(re.split(r"[-_.]", service.lower()))
    return next((kind for kind, known in _KIND_WORDS.items() if words & known), None)


def forward_command(forward: ForwardInfo) -> str:
    """What to type to use a forward: the tray's and the forwards window's "Copy command".

    ``ssh -p 2222 localhost`` for an ssh-like service, ``http://localhost:8080`` for a web
    one (``https://`` for ``https``), else ``localhost:PORT``. A forward listening on loopback
    or on every interface is reached at ``localhost``; one on another address at that address.
    """
    host, _, port = forward.listen_address.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if host in _LOOPBACK_HOSTS:
        host = "localhost"
    kind = service_kind(forward.service)
    if kind == "ssh":
        return f"ssh -p {port} {host}"
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return f"{kind}://{where}" if kind else where
