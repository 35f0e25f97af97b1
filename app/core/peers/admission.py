"""The admission table: which protocol a peer may open, by the roles it holds (pure data).

Every stream a peer opens to us is checked against this one table, whoever dialled the
connection: a stranger we dialled (a relay added by address, a DHT bootstrap peer, a peer we
pinged, an mDNS responder) gets no more than one that dialled us. The engine computes a peer's
:class:`Role` set (``app/engine/gate.py``) and negotiates each inbound stream against the
protocols :func:`may_open` allows, so every other protocol is answered "not supported", as if
we did not speak it (compat NO-PEER-GATE). docs/security.md shows :func:`markdown_table`, and a
unit test keeps the two the same.

Roles:

* ``anyone``: every peer that has a connection to us holds it, except a stranger on probation.
* ``authorized``: in authorized_keys as a peer (every peer, with connection gating off).
* ``verified``: authorized, and a human compared the SAS (services with ``verified_only`` ask
  for it in their handler, which answers an unverified peer with a refusal record).
* ``relay``: a relay we use: in ``relay.addresses``, the relay of a pairing group we joined, or
  a ``role=relay`` line of authorized_keys. It carries circuits to us and introduces members of
  its group, nothing else.
* ``probation``: a stranger admitted while an invite (or, on a relay, a pairing group) is open;
  it holds no other role (not even ``anyone``), and may open only the protocol of the probation
  that admitted it.
* ``dht``: a DHT bootstrap peer (``discovery.bootstrap_peers``).

Protocol IDs are written out here (core imports neither py-libp2p nor the engine);
``tests/unit/core/test_admission.py`` checks each against the constant its module defines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.core.peers.authkeys import AuthorizedKey

__all__ = [
    "DCUTR",
    "DEFAULT_RULE",
    "DIALBACK",
    "HOP",
    "IDENTIFY",
    "IDENTIFY_PUSH",
    "INVITE",
    "NOTIFY",
    "PING",
    "RELAY_PAIR",
    "RELAY_ROLE",
    "RULES",
    "STOP",
    "VERIFY",
    "Role",
    "Rule",
    "is_dht_protocol",
    "is_relay_entry",
    "markdown_table",
    "may_open",
    "roles_for",
    "rule_for",
]


class Role(StrEnum):
    """What a peer is to us; a peer may hold several (see the module docstring)."""

    ANYONE = "anyone"
    AUTHORIZED = "authorized"
    VERIFIED = "verified"
    RELAY = "relay"
    PROBATION = "probation"
    DHT = "dht"


IDENTIFY = "/ipfs/id/1.0.0"
IDENTIFY_PUSH = "/ipfs/id/push/1.0.0"
PING = "/ipfs/ping/1.0.0"
DCUTR = "/libp2p/dcutr"
HOP = "/libp2p/circuit/relay/0.2.0/hop"
STOP = "/libp2p/circuit/relay/0.2.0/stop"
DIALBACK = "/peerup/dialback/1.0.0"
REACHABILITY = "/peerup/reachability/1.0.0"
VERIFY = "/peerup/verify/1.0.0"
INVITE = "/peerup/invite/2.0.0"
RELAY_PAIR = "/peerup/relay-pair/1.0.0"
NOTIFY = "/peerup/peer-notify/1.0.0"
DHT_PATTERN = "/peerup[/<network>]/kad/1.0.0"
_DHT_RE = re.compile(r"/peerup(?:/[^/]+)?/kad/1\.0\.0")

_A = Role.ANYONE
_AUTH = Role.AUTHORIZED


@dataclass(frozen=True)
class Rule:
    """One row of the table.

    Attributes:
        protocol: The protocol ID (:data:`DHT_PATTERN` for the DHT, ``*`` for the default).
        roles: Who may open it.
        open_relay_roles: Who may open it when the relay's config opens reservations to
            everyone (``relay_service.open_reservations``); empty: the same as ``roles``.
        why: What it is for, and what else limits it (for docs/security.md).
    """

    protocol: str
    roles: frozenset[Role]
    why: str
    open_relay_roles: frozenset[Role] = frozenset()


RULES: tuple[Rule, ...] = (
    Rule(
        IDENTIFY,
        frozenset({_A}),
        "identify; a peer that is not authorized is told only the protocols it may open, and "
        "(unless it is a relay or DHT peer we use) only our public and relayed addresses, "
        "without a signed peer record",
    ),
    Rule(
        IDENTIFY_PUSH,
        frozenset({_AUTH, Role.RELAY, Role.DHT}),
        "a peer tells us its new addresses",
    ),
    Rule(PING, frozenset({_AUTH}), "libp2p ping (the liveness of direct paths, `peerup ping`)"),
    Rule(DCUTR, frozenset({_AUTH}), "hole punching between two authorized peers"),
    Rule(
        HOP,
        frozenset({_AUTH}),
        "our relay service (reservations and circuits); the hop refuses the others too",
        open_relay_roles=frozenset({_A}),
    ),
    Rule(
        DIALBACK,
        frozenset({_AUTH}),
        "our relay dials a client's listen addresses back (grade A)",
        open_relay_roles=frozenset({_A}),
    ),
    Rule(STOP, frozenset({Role.RELAY}), "a relay we reserved on brings us a relayed connection"),
    Rule(
        DHT_PATTERN,
        frozenset({_AUTH, Role.RELAY, Role.DHT}),
        "the private DHT, answered only in server mode (a relay, or a node confirmed public)",
    ),
    Rule(
        REACHABILITY,
        frozenset({_AUTH}),
        "a peer tells us its grade and LAN addresses",
    ),
    Rule(VERIFY, frozenset({_AUTH}), "emoji verification (a relay is no peer to verify)"),
    Rule(
        INVITE,
        frozenset({_AUTH, Role.PROBATION}),
        "an invite's PAKE handshake, while the invite is open",
    ),
    Rule(
        RELAY_PAIR,
        frozenset({_AUTH, Role.PROBATION}),
        "redeeming a pairing code at our relay, while a group is open",
    ),
    Rule(
        NOTIFY,
        frozenset({Role.RELAY}),
        "introductions of group members; only from the relay of that group, with valid proofs, "
        "within the size and time our own join recorded",
    ),
)
"""Every protocol with its own rule; anything else follows :data:`DEFAULT_RULE`."""

DEFAULT_RULE = Rule(
    "*",
    frozenset({_AUTH}),
    "everything else: exposed services (which also apply `allowed_peers` and `verified_only`), "
    "the ping line protocol (`protocols.ping_pong.id`), any protocol not listed here",
)

_BY_ID = {r.protocol: r for r in RULES if r.protocol != DHT_PATTERN}
_DHT_RULE = next(r for r in RULES if r.protocol == DHT_PATTERN)


def is_dht_protocol(protocol: str) -> bool:
    """Whether ``protocol`` is a DHT protocol of ours (``/peerup[/<network>]/kad/1.0.0``)."""
    return _DHT_RE.fullmatch(protocol) is not None


def rule_for(protocol: str) -> Rule:
    """The rule that applies to ``protocol``."""
    rule = _BY_ID.get(protocol)
    if rule is not None:
        return rule
    if is_dht_protocol(protocol):
        return _DHT_RULE
    return DEFAULT_RULE


def roles_for(protocol: str, *, open_relay: bool = False) -> frozenset[Role]:
    """The roles that may open ``protocol``.

    Args:
        protocol: A protocol ID.
        open_relay: Whether our relay service is open to everyone
            (``relay_service.open_reservations``).
    """
    rule = rule_for(protocol)
    if open_relay and rule.open_relay_roles:
        return rule.roles | rule.open_relay_roles
    return rule.roles


def may_open(protocol: str, roles: Iterable[Role], *, open_relay: bool = False) -> bool:
    """Whether a peer holding ``roles`` may open ``protocol``."""
    allowed = roles_for(protocol, open_relay=open_relay)
    return any(r in allowed for r in roles)


RELAY_ROLE = ("role", "relay")
"""The authorized_keys attribute of a relay that is no peer (written by relay pairing).

The Go peer-up ignores attributes it does not know, so it still reads the line as a peer."""


def is_relay_entry(entry: AuthorizedKey) -> bool:
    """Whether an authorized_keys line is a relay's (``role=relay``), not a peer's."""
    return entry.attr(RELAY_ROLE[0]) == RELAY_ROLE[1]


def _cell(roles: frozenset[Role]) -> str:
    if Role.ANYONE in roles:
        return Role.ANYONE.value  # includes every other role but a stranger on probation
    return ", ".join(r.value for r in Role if r in roles)


def markdown_table() -> str:
    """The table as Markdown, as docs/security.md shows it."""
    lines = [
        "| protocol | who may open it | with `open_reservations` | what for |",
        "|---|---|---|---|",
    ]
    for rule in (*RULES, DEFAULT_RULE):
        opened = _cell(rule.roles | rule.open_relay_roles) if rule.open_relay_roles else "same"
        protocol = "anything else" if rule.protocol == "*" else f"`{rule.protocol}`"
        lines.append(f"| {protocol} | {_cell(rule.roles)} | {opened} | {rule.why} |")
    return "\n".join(lines) + "\n"
