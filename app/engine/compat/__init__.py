"""Workarounds for py-libp2p 0.8.1 defects, one module per defect (or per small family of them).

Each module starts with the name(s) of the defect it covers, then says what upstream does wrong
and what the workaround changes. ``tests/unit/engine/compat/test_<module>.py`` holds, for each
defect, a ``test_defect_*`` that proves the defect is still present in the pinned py-libp2p: when
upstream fixes it, that test fails, telling us to drop the workaround.

Two kinds of workaround:

* **process-wide patches** of py-libp2p's classes and module functions. :func:`install` applies
  all of them, once, explicitly, from each composition root (``peerup daemon``'s process wiring,
  which the CLI's standalone mode runs too; the tray; test fixtures that start nodes) before any
  host exists. :meth:`app.engine.node.Node.run` refuses to start without them.
* **per-host helpers** the engine calls where it builds a host, dials or opens streams (for
  example :func:`noise_only_security`, :func:`connect_each`, :class:`InboundDrivenDCUtR`). They
  are re-exported here, so the engine writes ``compat.connect_each(...)``.

The index of defects and their modules is :data:`DEFECTS`.
"""

from __future__ import annotations

from typing import Final

from app.engine.compat import (
    denied_conn_scope,
    identify_agent_version,
    identify_once_per_peer,
    identify_tells_all,
    mdns_wildcard,
    noise_write_per_message,
    quic_tail_loss,
    read_path_copies,
    tcp_ipv6_address,
    tcp_small_reads,
    yamux_buffer_copies,
    yamux_credit_per_read,
    yamux_shutdown_eof,
    yamux_timer_per_frame,
    yamux_write,
)
from app.engine.compat.addresses import (
    Origin,
    expand_wildcards,
    is_relayed,
    is_unspecified,
    origin_of,
)
from app.engine.compat.auto_dial import disable_auto_dial
from app.engine.compat.circuit_addrs_mangled import advertise_addresses
from app.engine.compat.dcutr import InboundDrivenDCUtR, hole_punch_source, is_inbound_relayed
from app.engine.compat.dht_prefix_ignored import (
    MAX_DHT_ADDR_BYTES,
    MAX_DHT_ADDRS_PER_PEER,
    DHTHostView,
    bounded_addrs,
)
from app.engine.compat.identify_agent_version import AGENT_VERSION_KEY, on_identified
from app.engine.compat.identify_tells_all import IdentifyView, filter_identify
from app.engine.compat.listener_leak import close_listeners
from app.engine.compat.negotiation_untyped import (
    causes,
    is_handshake_failure,
    is_negotiation_timeout,
    is_protocol_refusal,
)
from app.engine.compat.no_peer_gate import install_peer_gate, install_stream_gate
from app.engine.compat.plaintext_default import noise_only_security
from app.engine.compat.swarm_one_addr_per_class import connect_each, dialable_addrs
from app.engine.compat.tcp_small_reads import received_bytes
from app.engine.compat.three_conns_per_peer import connection_config
from app.engine.compat.yamux_close_blocks import abort_transport, transport_socket

__all__ = [
    "AGENT_VERSION_KEY",
    "DEFECTS",
    "MAX_DHT_ADDRS_PER_PEER",
    "MAX_DHT_ADDR_BYTES",
    "CompatNotInstalledError",
    "DHTHostView",
    "IdentifyView",
    "InboundDrivenDCUtR",
    "Origin",
    "abort_transport",
    "advertise_addresses",
    "bounded_addrs",
    "causes",
    "close_listeners",
    "connect_each",
    "connection_config",
    "dialable_addrs",
    "disable_auto_dial",
    "expand_wildcards",
    "filter_identify",
    "hole_punch_source",
    "install",
    "install_peer_gate",
    "install_stream_gate",
    "installed",
    "is_handshake_failure",
    "is_inbound_relayed",
    "is_negotiation_timeout",
    "is_protocol_refusal",
    "is_relayed",
    "is_unspecified",
    "noise_only_security",
    "on_identified",
    "origin_of",
    "received_bytes",
    "require_installed",
    "transport_socket",
]

DEFECTS: Final[dict[str, str]] = {
    "PLAINTEXT-DEFAULT": "plaintext_default",
    "THREE-CONNS-PER-PEER": "three_conns_per_peer",
    "AUTO-DIAL": "auto_dial",
    "NO-PEER-GATE": "no_peer_gate",
    "YAMUX-WINDOW-TIMEOUT": "yamux_write",
    "YAMUX-FRAME-SPLIT": "yamux_write",
    "YAMUX-WRITE-PER-FRAME": "yamux_write",
    "NOISE-WRITE-PER-MESSAGE": "noise_write_per_message",
    "NOISE-CANCELLED-WRITE": "noise_cancelled_write",
    "YAMUX-TIMER-PER-FRAME": "yamux_timer_per_frame",
    "YAMUX-BUFFER-COPIES": "yamux_buffer_copies",
    "YAMUX-CREDIT-PER-READ": "yamux_credit_per_read",
    "YAMUX-SHUTDOWN-EOF": "yamux_shutdown_eof",
    "YAMUX-CLOSE-BLOCKS": "yamux_close_blocks",
    "TCP-SMALL-READS": "tcp_small_reads",
    "READ-PATH-COPIES": "read_path_copies",
    "TCP-IPV6-ADDRESS": "tcp_ipv6_address",
    "QUIC-TAIL-LOSS": "quic_tail_loss",
    "MDNS-WILDCARD": "mdns_wildcard",
    "DCUTR-BOTH-DRIVE": "dcutr",
    "DCUTR-SOURCE-FAMILY": "dcutr",
    "DCUTR-UNILATERAL-WAIT": "dcutr",
    "DCUTR-WILDCARD-DIAL": "dcutr",
    "DHT-PREFIX-IGNORED": "dht_prefix_ignored",
    "CIRCUIT-ADDRS-MANGLED": "circuit_addrs_mangled",
    "IDENTIFY-AGENT-VERSION": "identify_agent_version",
    "IDENTIFY-NO-EVENT": "identify_agent_version",
    "IDENTIFY-TELLS-ALL": "identify_tells_all",
    "IDENTIFY-ONCE-PER-PEER": "identify_once_per_peer",
    "LISTENER-LEAK": "listener_leak",
    "DENIED-CONN-SCOPE": "denied_conn_scope",
    "NEGOTIATION-UNTYPED": "negotiation_untyped",
    "SWARM-ONE-ADDR-PER-CLASS": "swarm_one_addr_per_class",
}
"""Every defect worked around, by name, with the module of this package that covers it."""

_installed = False


class CompatNotInstalledError(RuntimeError):
    """A node was started before :func:`install` (a composition root forgot to call it)."""


def install() -> None:
    """Apply every process-wide patch of py-libp2p; idempotent, so safe to call twice.

    Call it once from the composition root, before the first host is created. The per-host
    workarounds are applied where the engine builds each host.
    """
    global _installed
    yamux_write.install()  # YAMUX-WINDOW-TIMEOUT, YAMUX-FRAME-SPLIT, YAMUX-WRITE-PER-FRAME
    noise_write_per_message.install()  # and NOISE-CANCELLED-WRITE
    yamux_timer_per_frame.install()
    yamux_buffer_copies.install()
    tcp_small_reads.install()
    tcp_ipv6_address.install()
    read_path_copies.install()
    quic_tail_loss.install()
    mdns_wildcard.install()
    yamux_shutdown_eof.install()
    yamux_credit_per_read.install()
    identify_agent_version.install()
    identify_tells_all.install()
    identify_once_per_peer.install()
    denied_conn_scope.install()
    _installed = True


def installed() -> bool:
    """Whether :func:`install` has run in this process."""
    return _installed


def require_installed() -> None:
    """Fail clearly when :func:`install` has not run.

    Raises:
        CompatNotInstalledError: The py-libp2p workarounds are not installed.
    """
    if not _installed:
        raise CompatNotInstalledError(
            "the py-libp2p workarounds are not installed: call app.engine.compat.install() once "
            "at start-up, before starting a node (peerup daemon's main does)"
        )
