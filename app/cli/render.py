"""Human text and ``--json`` rendering for the command line.

Every function here is pure: it takes values (status snapshots, config entries) and returns text or
JSON-ready data, so the rendering is tested without a daemon. Commands print what these return.

Two rules hold for every peer shown:

* it carries a badge, ``[VERIFIED]`` when its authorized_keys entry has the ``verified=`` value
  recomputed for this key (app.core.peers.trust) and ``[UNVERIFIED]`` otherwise (see :func:`badge`);
* peer IDs appear in full where a user may want to copy them (auth list, whoami, resolve) and as
  the reference's 16-character prefix plus ``...`` in tables.
"""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
import json
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeGuard

from app.core.status import (
    AuthEntry,
    ForwardInfo,
    LanDial,
    LanDialOutcome,
    NodeStatus,
    PathInfo,
    PeerInfo,
    PingResult,
    PingStats,
    Reachability,
    RelayInfo,
    ServiceInfo,
    TracerouteResult,
)

VERIFIED = "[VERIFIED]"
UNVERIFIED = "[UNVERIFIED]"

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


# ---- small helpers -------------------------------------------------------------------------------


def badge(verified: bool) -> str:
    """Return the verification badge for a peer.

    Args:
        verified: The peer's ``verified`` flag (recomputed by app.core.peers.trust; never the raw
            attribute text, which a copied line could carry).

    Returns:
        ``"[VERIFIED]"`` when ``verified`` is truthy, else ``"[UNVERIFIED]"``.
    """
    return VERIFIED if verified else UNVERIFIED


def short_id(peer_id: str) -> str:
    """Return the reference's short form of a peer ID: 16 characters plus ``...``.

    Args:
        peer_id: A base58 peer ID.

    Returns:
        The shortened ID (unchanged when it is 16 characters or fewer).
    """
    return peer_id if len(peer_id) <= 16 else peer_id[:16] + "..."


def peer_label(peer_id: str, name: str | None) -> str:
    """Return ``name (12D3KooW…...)`` or only the short ID when there is no name."""
    return f"{name} ({short_id(peer_id)})" if name else short_id(peer_id)


def format_bytes(count: int) -> str:
    """Return a byte count in binary units (``0 B``, ``1.5 KiB``, ``3.2 MiB``)."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def format_duration(seconds: float) -> str:
    """Return a coarse duration such as ``42s``, ``5m 3s``, ``2h 10m`` or ``3d 4h``."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def format_rtt(rtt_ms: float | None) -> str:
    """Return ``12.3ms`` or ``-`` when unknown."""
    return "-" if rtt_ms is None else f"{rtt_ms:.1f}ms"


def network_label(network: str | None) -> str:
    """Return the DHT namespace as the reference prints it (``global (default)`` when unset)."""
    return network or "global (default)"


def table(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Align columns; the last column is not padded."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    out = []
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


# ---- JSON ----------------------------------------------------------------------------------------


def _is_dataclass_instance(value: object) -> TypeGuard[object]:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def to_jsonable(value: object) -> JsonValue:
    """Turn status dataclasses, enums, paths, tuples and mappings into plain JSON data.

    Args:
        value: Anything built from those types, str, int, float, bool and None.

    Returns:
        The same value made of dict, list, str, int, float, bool and None only.

    Raises:
        TypeError: A value of another type was found.
    """
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    if _is_dataclass_instance(value):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)  # type: ignore[arg-type]
        }
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def dumps(value: object, *, compact: bool = False) -> str:
    """Serialise ``value`` (see :func:`to_jsonable`) as JSON text.

    Args:
        value: The data to print.
        compact: One line without indentation (for JSON-lines output such as ping).

    Returns:
        The JSON text, without a trailing newline.
    """
    data = to_jsonable(value)
    if compact:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(data, ensure_ascii=False, indent=2)


# ---- node, peers, paths --------------------------------------------------------------------------


def render_node_status(status: NodeStatus) -> list[str]:
    """Render the daemon's node snapshot (``peerup daemon status`` and ``peerup status``)."""
    lines = [
        f"peerup {status.version}: daemon running for {format_duration(status.uptime_seconds)}",
        f"Peer ID:   {status.peer_id}",
        f"Config:    {status.config_path}",
        f"Network:   {network_label(status.network)}",
        *render_reachability(status.reachability),
        f"Peers:     {status.connected_peers} connected, {status.authorized_peers} authorized"
        + _other_connections(status.connected_others),
        f"Services:  {status.services} exposed",
        f"Forwards:  {status.forwards} open",
        f"QUIC:      {'on' if status.quic_enabled else 'off'}",
    ]
    problem = status.authorized_keys_problem
    if problem is not None:
        lines.append(f"Warning:   {problem.message}; the previous authorized_keys is kept")
        if problem.hint:
            lines.append(f"           {problem.hint}")
    lines.extend(listen_lines(status.listen_addresses))
    lines.extend(relay_lines(status.relays))
    lines.extend(_labelled("Circuit:   ", status.circuit_addresses, "(none)"))
    lines.append(
        "Relaying:  "
        + ("on (this node relays for its authorized peers)" if status.relay_service else "off")
    )
    mapping = status.port_mapping
    if mapping is not None:
        lease = f", until {format_clock(mapping.expires_at)}" if mapping.expires_at else ""
        lines.append(
            f"Port map:  {mapping.external_address} → {mapping.internal_address} "
            f"({mapping.protocol}, {_MAPPING_METHODS.get(mapping.method, mapping.method)}{lease})"
        )
    return lines


_MAPPING_METHODS = {"upnp": "UPnP", "nat-pmp": "NAT-PMP"}


def _other_connections(count: int) -> str:
    """`` (also connected: 1 relay or unauthorized peer)``: peers the peer list leaves out."""
    if not count:
        return ""
    if count == 1:
        return " (also connected: 1 relay or unauthorized peer)"
    return f" (also connected: {count} relays or unauthorized peers)"


def _labelled(label: str, values: Sequence[str], empty: str) -> list[str]:
    """Return ``label value`` lines, later values aligned under the first."""
    if not values:
        return [label + empty]
    return [(label if i == 0 else " " * len(label)) + v for i, v in enumerate(values)]


def grade_badge(reachability: Reachability | None) -> str:
    """Return ``[C]`` for a known grade, ``""`` when unknown."""
    return f"[{reachability.grade}]" if reachability is not None else ""


def render_reachability(reachability: Reachability | None) -> list[str]:
    """Return ``Reachability: [C] <reason>`` and, when there is advice, ``  hint: <hint>``."""
    if reachability is None:
        return ["Reachability: not measured yet (measure now: peerup status --probe)"]
    lines = [f"Reachability: {grade_badge(reachability)} {reachability.reason}"]
    if reachability.hint:
        lines.append(f"  hint: {reachability.hint}")
    return lines


def format_clock(timestamp: float) -> str:
    """Return a unix time as local ``HH:MM``."""
    return time.strftime("%H:%M", time.localtime(timestamp))


def relay_state(relay: RelayInfo) -> str:
    """Return ``reserved until HH:MM`` (with the relay's limit, if it sets one:
    ``(limited: 128 KiB / 2 min per connection)``) or ``not reserved: <error>``."""
    if relay.reserved:
        text = "reserved"
        if relay.expires_at is not None:
            text += f" until {format_clock(relay.expires_at)}"
        return text + relay_limit_note(relay)
    if relay.error:
        return f"not reserved: {relay.error}"
    return "not reserved yet"


def relay_limit_note(relay: RelayInfo) -> str:
    """`` (limited: 128 KiB / 2 min per connection)`` for a tight limit (too little for
    forwards), `` (limit: 1 GiB / 1 h per connection)`` for a generous one, ``""`` for none."""
    limit = relay.limit
    if limit is None:
        return ""
    return f" ({'limited' if limit.tight else 'limit'}: {limit.describe()})"


def render_relay(relay: RelayInfo) -> str:
    """Return ``relay <id16>... reserved until HH:MM`` (or ``not reserved: <error>``)."""
    return f"relay {short_id(relay.peer_id)} {relay_state(relay)}"


def relay_lines(relays: Sequence[RelayInfo]) -> list[str]:
    """Return the ``Relays:`` lines of a node status, one relay per line."""
    return _labelled(
        "Relays:    ",
        [render_relay(r) for r in relays],
        "(none configured; add one with: peerup relay add)",
    )


def listen_lines(addresses: Sequence[str]) -> list[str]:
    """Return ``Listening: <addr>`` lines, one address per line."""
    if not addresses:
        return ["Listening: (none)"]
    return [("Listening: " if i == 0 else "           ") + a for i, a in enumerate(addresses)]


def peer_state(peer: PeerInfo) -> str:
    """Return ``connected DIRECT 1.5ms``, ``offline``, or ``offline (expected: RELAYED)``."""
    if peer.connected and peer.path is not None:
        text = f"connected {peer.path.path_type}"
        if peer.path.rtt_ms is not None:
            text += f" {format_rtt(peer.path.rtt_ms)}"
        return text
    text = "connected" if peer.connected else "offline"
    if peer.expected_path is not None:
        text += f" (expected: {peer.expected_path})"
    return text


def render_peers(peers: Sequence[PeerInfo]) -> list[str]:
    """Render peers, one per line, each with its badge, name, grade (when known) and path."""
    if not peers:
        return ["  (no peers)"]
    with_grades = any(p.reachability is not None for p in peers)
    rows = []
    for p in peers:
        extra = []
        if p.expired:
            extra.append("(expired: not authorized)")
        elif p.role == "relay":
            extra.append("(relay: circuits and introductions only)")
        elif not p.authorized:
            extra.append("(not authorized)")
        if p.agent_version:
            extra.append(p.agent_version)
        if p.comment:
            extra.append(f"# {p.comment}")
        row = [badge(p.verified), p.name or "-", p.peer_id]
        if with_grades:
            row.append(grade_badge(p.reachability) or "[?]")
        rows.append([*row, peer_state(p), "  ".join(extra)])
    return table(rows)


def render_paths(paths: Sequence[PathInfo], names: Mapping[str, str] | None = None) -> list[str]:
    """Render the path in use for each connected peer (``peerup daemon paths``).

    Args:
        paths: The daemon's paths.
        names: Peer ID → name, to show names next to IDs.

    Returns:
        Text lines.
    """
    if not paths:
        return ["  (no connected peers)"]
    names = names or {}
    rows = [
        [
            peer_label(p.peer_id, names.get(p.peer_id)),
            f"[{p.path_type}]",
            p.transport,
            p.ip_version,
            format_rtt(p.rtt_ms),
            p.address,
        ]
        for p in paths
    ]
    notes = [
        f"  {peer_label(p.peer_id, names.get(p.peer_id))}: {lan_dial_text(p.lan_dial)}"
        for p in paths
        if p.lan_dial is not None
    ]
    return table(rows) + notes


def lan_dial_text(dial: LanDial) -> str:
    """Return how the last dial of a peer's LAN addresses went, e.g. ``LAN dial across
    subnets (same public address) failed at 12:01 (/ip4/10.0.0.2/tcp/4001); next try 12:02``."""
    what = "LAN dial across subnets (same public address)" if dial.same_nat else "LAN dial"
    when = format_clock(dial.at)
    if dial.outcome is LanDialOutcome.WORKED:
        return f"{what} worked at {when}" + (f" via {dial.address}" if dial.address else "")
    if dial.outcome is LanDialOutcome.TRYING:
        return f"{what} trying since {when} ({', '.join(dial.addresses)})"
    text = f"{what} failed at {when} ({', '.join(dial.addresses)})"
    return text + (f"; next try {format_clock(dial.retry_at)}" if dial.retry_at else "")


# ---- services and forwards -----------------------------------------------------------------------


def allowed_text(allowed: Sequence[str], names: Mapping[str, str]) -> str:
    """Return who may use a service: names (or short IDs), or ``all authorized peers``."""
    if not allowed:
        return "all authorized peers"
    return ", ".join(names.get(p, short_id(p)) for p in allowed)


def render_services(
    services: Sequence[ServiceInfo],
    *,
    names: Mapping[str, str] | None = None,
    live: Mapping[str, ServiceInfo] | None = None,
) -> list[str]:
    """Render services: name, local address, state and who may use them.

    Args:
        services: Services from the config (or from the daemon).
        names: Peer ID → name, for the allowed-peers column.
        live: When a daemon runs, the services it exposes by name; adds ``exposed`` or
            ``not exposed`` to the state.

    Returns:
        Text lines.
    """
    if not services:
        return ["  (no services)"]
    names = names or {}
    rows = []
    for s in services:
        state = "enabled" if s.enabled else "disabled"
        if live is not None:
            state += ", exposed" if s.name in live else ", not exposed"
        rows.append(
            [
                s.name,
                "→ " + s.local_address,
                state,
                "allowed: "
                + allowed_text(s.allowed_peers, names)
                + (" (verified peers only)" if s.verified_only else ""),
            ]
        )
    return table(rows)


def forward_target(forward: ForwardInfo) -> str:
    """Return ``<peer>/<service>`` for a forward, with the peer's name when known."""
    return f"{forward.peer_name or short_id(forward.peer_id)}/{forward.service}"


def render_forward_line(forward: ForwardInfo) -> str:
    """Return the one-line summary of a forward used by ``proxy`` and ``daemon connect``."""
    target = forward_target(forward)
    return f"Forwarding {forward.listen_address} → {target}  {badge(forward.verified)}"


def format_rate(bytes_per_second: float) -> str:
    """Return a transfer rate in binary units (``512 B/s``, ``2.3 MiB/s``)."""
    return format_bytes(round(bytes_per_second)) + "/s"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _errors(forward: ForwardInfo) -> str:
    if not forward.errors:
        return ""
    text = ", " + _count(forward.errors, "error")
    return text + (f" (last: {forward.last_error})" if forward.last_error else "")


def render_forward_counters(forward: ForwardInfo) -> str:
    """Return the live counters of a forward: bytes both ways, the rates while bytes move, and
    the connections (``↑ 1.2 KiB  ↓ 5.0 MiB · ↓ 2.3 MiB/s · 1 active / 3 connections``)."""
    parts = [f"↑ {format_bytes(forward.bytes_up)}  ↓ {format_bytes(forward.bytes_down)}"]
    rates = [
        f"{arrow} {format_rate(rate)}"
        for arrow, rate in (("↑", forward.rate_up), ("↓", forward.rate_down))
        if rate >= 0.5  # what rounds to 0 B/s is no traffic
    ]
    if rates:
        parts.append(" ".join(rates))
    parts.append(
        f"{forward.connections_active} active / {_count(forward.connections_total, 'connection')}"
    )
    return " · ".join(parts) + _errors(forward)


def _exact_bytes(count: int) -> str:
    text = format_bytes(count)
    return text if count < 1024 else f"{text} ({count:,} B)"


def render_forward_totals(forward: ForwardInfo) -> str:
    """Return what went through a forward, exact to the byte, for ``proxy``'s last line."""
    return (
        f"Total: ↑ {_exact_bytes(forward.bytes_up)}  ↓ {_exact_bytes(forward.bytes_down)}"
        f" · {_count(forward.connections_total, 'connection')}" + _errors(forward)
    )


def render_forwards(forwards: Sequence[ForwardInfo]) -> list[str]:
    """Render open forwards, one per line, each with the badge of its peer."""
    if not forwards:
        return ["  (no forwards)"]
    rows = [
        [
            f.id,
            f.listen_address,
            "→ " + forward_target(f),
            str(f.state),
            f"{f.connections_active}/{f.connections_total} conns",
            f"↑{format_bytes(f.bytes_up)} ↓{format_bytes(f.bytes_down)}",
            badge(f.verified),
        ]
        for f in forwards
    ]
    return table(rows)


# ---- authorized_keys -----------------------------------------------------------------------------


def render_auth_entries(entries: Sequence[AuthEntry]) -> list[str]:
    """Render authorized peers like the reference's ``auth list``, badges included."""
    if not entries:
        return ["  (no authorized peers)"]
    lines = []
    for e in entries:
        head = f"  {badge(e.verified)} {e.peer_id}"
        if e.name:
            head += f"  {e.name}"
        if e.comment:
            head += f"  # {e.comment}"
        if e.expired:
            head += "  [EXPIRED: not authorized]"
        lines.append(head)
        details = [f"[verified={e.verified_value}]"] if e.verified_value else []
        details += [f"[{k}={v}]" for k, v in e.attributes if k != "verified"]
        if details:
            lines.append("      " + " ".join(details))
    return lines


def names_by_peer(names: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return peer ID → name from ``names:`` pairs (the first name wins)."""
    out: dict[str, str] = {}
    for name, peer_id in names:
        out.setdefault(peer_id, name)
    return out


# ---- ping ----------------------------------------------------------------------------------------


def render_ping_header(target: str, peer_id: str) -> str:
    """Return ``PING <target> (<id16>...)``."""
    return f"PING {target} ({short_id(peer_id)})"


def render_ping_result(result: PingResult) -> str:
    """Return ``seq=N rtt=1.2ms path=[DIRECT]`` or ``seq=N error=…``."""
    if result.error is not None or result.rtt_ms is None:
        return f"seq={result.seq} error={result.error or 'no reply'}"
    path = f"[{result.path}]" if result.path is not None else "[?]"
    return f"seq={result.seq} rtt={result.rtt_ms:.1f}ms path={path}"


def ping_result_json(result: PingResult) -> dict[str, JsonValue]:
    """Return a ping result as JSON data; ``error`` is ``""`` on success, as in the reference."""
    data = to_jsonable(result)
    assert isinstance(data, dict)
    if data.get("error") is None:
        data["error"] = ""
    return data


def render_ping_stats(target: str, stats: PingStats) -> list[str]:
    """Return the reference's two summary lines."""

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    return [
        f"--- {target} ping statistics ---",
        f"{stats.sent} sent, {stats.received} received, {stats.loss_pct:.0f}% loss, "
        f"rtt min/avg/max = {ms(stats.min_ms)}/{ms(stats.avg_ms)}/{ms(stats.max_ms)} ms",
    ]


def render_verification_line(target: str, entry: AuthEntry | None) -> str:
    """Return the badge line ping prints before pinging (reference §1.4)."""
    if entry is not None and entry.verified:
        return f'{VERIFIED} Peer "{target}" verified ({entry.verified_value})'
    if entry is None:
        return f'{UNVERIFIED} Peer "{target}" is not in authorized_keys'
    return f'{UNVERIFIED} Peer "{target}" not verified. Run: peerup verify {target}'


# ---- traceroute ----------------------------------------------------------------------------------


def render_traceroute(target: str, result: TracerouteResult) -> list[str]:
    """Render a traceroute like the reference (spec §8.2).

    ``traceroute to <t> (<id16>...)``, one line per hop (`` 1  <id16>... (name)  <address>
    12.3ms``, or ``*`` and the error for a hop that did not answer), then
    ``--- path: [RELAYED] ---``.
    """
    lines = [f"traceroute to {target} ({short_id(result.peer_id)})"]
    for hop in result.hops:
        who = short_id(hop.peer_id) + (f" ({hop.name})" if hop.name else "")
        if hop.error is not None or hop.rtt_ms is None:
            lines.append(f" {hop.hop}  {who}  {hop.address}  *  {hop.error or 'no reply'}")
        else:
            lines.append(f" {hop.hop}  {who}  {hop.address}  {hop.rtt_ms:.1f}ms")
    lines.append(f"--- path: [{result.path}] ---")
    return lines


# ---- relays --------------------------------------------------------------------------------------


def address_rank(multiaddr: str) -> int:
    """Sort key for showing a node's addresses: public IPs 0, private or wildcard 1, loopback 2."""
    parts = multiaddr.split("/")
    if len(parts) < 3 or parts[1] not in ("ip4", "ip6"):
        return 1
    try:
        ip = ipaddress.ip_address(parts[2])
    except ValueError:
        return 1
    if ip.is_loopback:
        return 2
    if ip.is_global:
        return 0
    return 1


def with_peer_id(multiaddr: str, peer_id: str) -> str:
    """Append ``/p2p/<peer_id>`` to a multiaddr unless it already names a peer."""
    if "/p2p/" in multiaddr:
        return multiaddr
    return multiaddr.rstrip("/") + f"/p2p/{peer_id}"


# ---- config --------------------------------------------------------------------------------------


def render_mapping(data: JsonValue, indent: int = 0) -> list[str]:
    """Render nested JSON data as indented ``key: value`` lines (a YAML-like view)."""
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict | list) and value:
                lines.append(f"{pad}{key}:")
                lines.extend(render_mapping(value, indent + 1))
            else:
                lines.append(f"{pad}{key}: {_scalar(value)}")
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, dict | list) and item:
                sub = render_mapping(item, indent + 1)
                lines.append(f"{pad}- {sub[0].lstrip()}")
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    else:
        lines.append(pad + _scalar(data))
    return lines


def _scalar(value: JsonValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return str(value)
