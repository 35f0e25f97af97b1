"""The node configuration file (config.yaml): schema, validation, template and editing.

The schema follows the reference's node config (spec §11.1), adapted: relay and discovery are
optional, QUIC is off by default, and ``peer_addresses`` / ``forwards`` are ours. Keys the Go
peer-up writes but we do not use (``discovery.rendezvous``, ``telemetry``, …) are accepted and
ignored so that a Go config still loads; any other unknown key is an error with a "did you mean"
hint, because a silently ignored typo (``allowed_peer:``) could expose a service to everyone.

The file is parsed with ruamel.yaml in round-trip mode: every error names the dotted key and the
line, and :class:`ConfigEditor` edits the document in place so the user's comments survive. The
editor re-validates the result before writing it, so it can never save a config that would not
load.
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import NoReturn

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.tokens import CommentToken

from app.core.authkeys import write_header
from app.core.errors import (
    AlreadyExistsError,
    ConfigError,
    InvalidAddressError,
    InvalidNameError,
    InvalidPeerIdError,
    NotFoundError,
    PeerupError,
)
from app.core.files import read_limited, require_private, utf8_error_line
from app.core.identity import create_identity_file
from app.core.names import validate_namespace, validate_peer_name, validate_service_name
from app.core.netaddr import check_multiaddr_syntax, format_host_port, parse_host_port
from app.core.peerid import PeerId
from app.core.reachability import parse_stun_server
from app.util.fsio import atomic_write_text
from app.util.paths import ensure_private_dir

__all__ = [
    "CONFIG_VERSION",
    "Config",
    "ConfigEditor",
    "ForwardConfig",
    "ServiceConfig",
    "config_to_dict",
    "default_config_text",
    "init_config_dir",
    "load_config",
    "parse_config",
    "parse_duration",
]

CONFIG_VERSION = 1
DEFAULT_PING_PROTOCOL = "/pingpong/1.0.0"
DEFAULT_RESERVATION_INTERVAL = 120.0
# A config is a few kilobytes; refuse to feed megabytes of YAML to the parser.
_MAX_CONFIG_SIZE = 1024 * 1024


@dataclass(frozen=True)
class ServiceConfig:
    """A local TCP service exposed to peers as ``/peerup/<name>/1.0.0``.

    Attributes:
        name: DNS-label service name.
        local_address: ``host:port`` the service listens on.
        enabled: Registered when the daemon starts.
        allowed_peers: Peer IDs allowed to use it; empty means every authorized peer.
        protocol: Informational only (the reference ignores it at runtime too).
        verified_only: Admit only peers whose key a human verified (``peerup verify``);
            others get a clear "not verified" refusal.
    """

    name: str
    local_address: str
    enabled: bool = True
    allowed_peers: tuple[str, ...] = ()
    protocol: str = ""
    verified_only: bool = False


@dataclass(frozen=True)
class ForwardConfig:
    """A local port that forwards to a peer's service, opened when the daemon starts.

    Attributes:
        peer: A name from ``names`` or a peer ID.
        service: The remote service name.
        listen: Local ``host:port`` to listen on.
    """

    peer: str
    service: str
    listen: str


@dataclass(frozen=True)
class RelayServiceConfig:
    """Limits of this node's circuit relay service (``relay_service:``; used by ``relay serve``).

    The defaults carry real traffic (an hour and 1 GiB per circuit), unlike libp2p's 2 min and
    128 KiB, which only suffice for hole-punch signalling.
    """

    enabled: bool = False
    max_reservations: int = 128
    max_reservations_per_ip: int = 8
    max_circuits: int = 64
    max_circuits_per_peer: int = 16
    reservation_ttl: float = 3600.0
    session_duration: float = 3600.0
    session_data_limit: int = 1 << 30
    health_port: int = 0  # /healthz on 127.0.0.1:<port> while relaying; 0 = off


@dataclass(frozen=True)
class Config:
    """A validated configuration with every default applied and every path absolute."""

    path: Path
    version: int
    key_file: Path
    listen_addresses: tuple[str, ...]
    enable_quic: bool = False
    stun_servers: tuple[str, ...] = ()  # "host:port"; none by default (no third party is asked)
    hole_punching: bool = True  # upgrade relayed connections with DCUtR
    # Ask the router (UPnP IGD or NAT-PMP) to forward our TCP port. Off by default: it opens a
    # port on the user's router and multicasts SSDP on the LAN, neither should happen unasked.
    port_mapping: bool = False
    relay_addresses: tuple[str, ...] = ()
    reservation_interval: float = DEFAULT_RESERVATION_INTERVAL
    network: str | None = None
    bootstrap_peers: tuple[str, ...] = ()
    mdns: bool = False  # find peers on the local network (multicast DNS); off: it announces us
    authorized_keys_file: Path = field(default_factory=Path)
    enable_connection_gating: bool = True
    ping_enabled: bool = True
    ping_protocol: str = DEFAULT_PING_PROTOCOL
    services: tuple[ServiceConfig, ...] = ()
    names: tuple[tuple[str, str], ...] = ()
    peer_addresses: tuple[tuple[str, tuple[str, ...]], ...] = ()
    forwards: tuple[ForwardConfig, ...] = ()
    relay_service: RelayServiceConfig = field(default_factory=RelayServiceConfig)

    def name_for(self, peer_id: str) -> str | None:
        """Return the first name configured for ``peer_id``, or None."""
        for name, pid in self.names:
            if pid == peer_id:
                return name
        return None

    def peer_id_for(self, name: str) -> str | None:
        """Return the peer ID configured under ``name``, or None."""
        for n, pid in self.names:
            if n == name:
                return pid
        return None


# --------------------------------------------------------------------------------------------
# Parsing


_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?|\.\d+)(ms|h|m|s)")
_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(text: str) -> float:
    """Parse a Go-style duration (``"2m"``, ``"30s"``, ``"1h30m"``, ``"500ms"``) into seconds.

    Raises:
        ValueError: Not a duration.
    """
    text = text.strip()
    pos = 0
    total = 0.0
    if not text:
        raise ValueError("empty duration")
    while pos < len(text):
        m = _DURATION_RE.match(text, pos)
        if m is None:
            raise ValueError(f"{text!r} is not a duration")
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    return total


_TOP_KEYS = (
    "version",
    "identity",
    "network",
    "relay",
    "discovery",
    "security",
    "protocols",
    "services",
    "names",
    "peer_addresses",
    "forwards",
    "relay_service",
)
_RELAY_SERVICE_KEYS = tuple(f.name for f in fields(RelayServiceConfig))
_DATA_SIZE_RE = re.compile(r"(\d+)\s*(B|KB|MB|GB|KIB|MIB|GIB)?", re.IGNORECASE)
_DATA_UNITS = {"": 1, "B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
# Written by the Go peer-up; accepted so its configs load, but not used.
_IGNORED_KEYS = {
    "": ("telemetry",),
    "network": ("force_private_reachability", "resource_limits_enabled"),
    "discovery": ("rendezvous",),
}


class _Parser:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.base = path.parent

    def fail(
        self, message: str, key: str | None, line: int | None, hint: str | None = None
    ) -> NoReturn:
        raise ConfigError(message, path=str(self.path), key=key or None, line=line, hint=hint)

    # Line numbers: ruamel records 0-based (line, col) per key and per item. Keys produced by a
    # YAML merge ("<<:") have no record; fall back to the mapping's own line.
    @staticmethod
    def key_line(node: CommentedMap, key: object) -> int:
        try:
            return int(node.lc.key(key)[0]) + 1
        except (KeyError, TypeError, AttributeError):
            return _Parser.node_line(node)

    @staticmethod
    def value_line(node: CommentedMap, key: object) -> int:
        try:
            return int(node.lc.value(key)[0]) + 1
        except (KeyError, TypeError, AttributeError):
            return _Parser.key_line(node, key)

    @staticmethod
    def item_line(node: CommentedSeq, index: int, default: int) -> int:
        try:
            return int(node.lc.item(index)[0]) + 1
        except (KeyError, TypeError, AttributeError, IndexError):
            return default

    @staticmethod
    def node_line(node: object) -> int:
        lc = getattr(node, "lc", None)
        line = getattr(lc, "line", None)
        return int(line) + 1 if isinstance(line, int) else 1

    def mapping(
        self, parent: CommentedMap, key: str, dotted: str, allowed: Sequence[str], *, required: bool
    ) -> CommentedMap | None:
        if key not in parent or parent[key] is None:
            if required:
                line = self.key_line(parent, key) if key in parent else self.node_line(parent)
                self.fail(f"the {dotted!r} section is missing", dotted, line)
            return None
        node = parent[key]
        if not isinstance(node, CommentedMap):
            self.fail(
                f"expected a mapping ({_type_name(node)} given)",
                dotted,
                self.value_line(parent, key),
            )
        self.check_keys(node, dotted, allowed)
        return node

    def check_keys(self, node: CommentedMap, dotted: str, allowed: Sequence[str]) -> None:
        ignored = _IGNORED_KEYS.get(dotted, ())
        for key in node:
            where = f"{dotted}.{key}" if dotted else str(key)
            if not isinstance(key, str):
                self.fail(f"key {key!r} is not text", dotted or None, self.key_line(node, key))
            if key in allowed or key in ignored:
                continue
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(allowed)}"
            self.fail(f"unknown key {key!r}", where, self.key_line(node, key), hint)

    def string(
        self, node: CommentedMap, key: str, dotted: str, *, default: str | None = None
    ) -> str:
        if key not in node or node[key] is None:
            if default is None:
                line = self.key_line(node, key) if key in node else self.node_line(node)
                self.fail(f"{key!r} is required", dotted, line)
            return default
        value = node[key]
        if not isinstance(value, str):
            self.fail(
                f"expected text ({_type_name(value)} given)", dotted, self.value_line(node, key)
            )
        return str(value)

    def boolean(self, node: CommentedMap, key: str, dotted: str, *, default: bool) -> bool:
        if key not in node or node[key] is None:
            return default
        value = node[key]
        if isinstance(value, bool | ScalarBoolean):
            return bool(value)
        self.fail(
            f"expected true or false ({_describe(value)} given)",
            dotted,
            self.value_line(node, key),
        )

    def string_list(
        self,
        node: CommentedMap,
        key: str,
        dotted: str,
        check: Callable[[str], str] | None = None,
    ) -> tuple[tuple[str, ...], CommentedSeq | None]:
        if key not in node or node[key] is None:
            return (), None
        seq = node[key]
        line = self.value_line(node, key)
        if not isinstance(seq, CommentedSeq):
            self.fail(f"expected a list ({_type_name(seq)} given)", dotted, line)
        out: list[str] = []
        for i, item in enumerate(seq):
            item_line = self.item_line(seq, i, line)
            if not isinstance(item, str):
                self.fail(
                    f"item {i + 1}: expected text ({_type_name(item)} given)", dotted, item_line
                )
            text = str(item).strip()
            if check is not None:
                try:
                    text = check(text)
                except PeerupError as exc:
                    self.fail(exc.message, dotted, item_line, exc.hint)
            out.append(text)
        return tuple(out), seq

    def path_value(self, node: CommentedMap, key: str, dotted: str, default: str) -> Path:
        text = self.string(node, key, dotted, default=default or None).strip()
        if not text or "\0" in text:
            self.fail("expected a file name", dotted, self.value_line(node, key))
        path = Path(text).expanduser()
        return path if path.is_absolute() else (self.base / path).absolute()

    def parse(self, root: object) -> Config:
        if not isinstance(root, CommentedMap):
            self.fail(
                f"the file must be a YAML mapping of sections ({_type_name(root)} given)",
                None,
                self.node_line(root),
                hint="run `peerup init` for a fresh example",
            )
        self.check_keys(root, "", _TOP_KEYS)

        version = CONFIG_VERSION
        if "version" in root and root["version"] is not None:
            raw = root["version"]
            line = self.value_line(root, "version")
            if isinstance(raw, bool | ScalarBoolean) or not isinstance(raw, int):
                self.fail(f"expected a whole number ({_describe(raw)} given)", "version", line)
            version = int(raw)
            if version > CONFIG_VERSION:
                self.fail(
                    f"config version {version} is newer than this peerup supports; upgrade peerup",
                    "version",
                    line,
                )
            if version < 0:
                self.fail(f"config version {version} is not valid", "version", line)
            # The reference treats 0/absent as the current version.
            version = max(version, CONFIG_VERSION)

        identity = self.mapping(root, "identity", "identity", ("key_file",), required=True)
        assert identity is not None
        key_file = self.path_value(identity, "key_file", "identity.key_file", "")

        network_keys = (
            "listen_addresses",
            "enable_quic",
            "stun_servers",
            "hole_punching",
            "port_mapping",
        )
        network = self.mapping(root, "network", "network", network_keys, required=True)
        assert network is not None
        listen, _ = self.string_list(
            network, "listen_addresses", "network.listen_addresses", check_multiaddr_syntax
        )
        if not listen:
            line = (
                self.key_line(network, "listen_addresses")
                if "listen_addresses" in network
                else self.node_line(network)
            )
            self.fail(
                "at least one listen address is required",
                "network.listen_addresses",
                line,
                hint="for example: /ip4/0.0.0.0/tcp/0",
            )
        enable_quic = self.boolean(network, "enable_quic", "network.enable_quic", default=False)
        hole_punching = self.boolean(
            network, "hole_punching", "network.hole_punching", default=True
        )
        port_mapping = self.boolean(network, "port_mapping", "network.port_mapping", default=False)
        stun_servers, _ = self.string_list(
            network, "stun_servers", "network.stun_servers", _check_stun_server
        )

        relay_addresses: tuple[str, ...] = ()
        reservation = DEFAULT_RESERVATION_INTERVAL
        relay = self.mapping(
            root, "relay", "relay", ("addresses", "reservation_interval"), required=False
        )
        if relay is not None:
            relay_addresses, _ = self.string_list(
                relay, "addresses", "relay.addresses", check_multiaddr_syntax
            )
            reservation = self.duration(relay, "reservation_interval", "relay.reservation_interval")

        ns: str | None = None
        bootstrap: tuple[str, ...] = ()
        discovery = self.mapping(
            root, "discovery", "discovery", ("network", "bootstrap_peers", "mdns"), required=False
        )
        mdns = False
        if discovery is not None:
            mdns = self.boolean(discovery, "mdns", "discovery.mdns", default=False)
            if discovery.get("network") is not None:
                ns = self.string(discovery, "network", "discovery.network").strip()
                try:
                    validate_namespace(ns)
                except InvalidNameError as exc:
                    self.fail(
                        exc.message,
                        "discovery.network",
                        self.value_line(discovery, "network"),
                        exc.hint,
                    )
            bootstrap, _ = self.string_list(
                discovery, "bootstrap_peers", "discovery.bootstrap_peers", check_multiaddr_syntax
            )

        authorized_keys = (self.base / "authorized_keys").absolute()
        gating = True
        verified_only = False
        security = self.mapping(
            root,
            "security",
            "security",
            ("authorized_keys_file", "enable_connection_gating", "verified_only"),
            required=False,
        )
        if security is not None:
            authorized_keys = self.path_value(
                security, "authorized_keys_file", "security.authorized_keys_file", "authorized_keys"
            )
            gating = self.boolean(
                security,
                "enable_connection_gating",
                "security.enable_connection_gating",
                default=True,
            )
            verified_only = self.boolean(
                security, "verified_only", "security.verified_only", default=False
            )

        ping_enabled = True
        ping_protocol = DEFAULT_PING_PROTOCOL
        protocols = self.mapping(root, "protocols", "protocols", ("ping_pong",), required=False)
        if protocols is not None:
            ping = self.mapping(
                protocols, "ping_pong", "protocols.ping_pong", ("enabled", "id"), required=False
            )
            if ping is not None:
                ping_enabled = self.boolean(
                    ping, "enabled", "protocols.ping_pong.enabled", default=True
                )
                ping_protocol = self.string(
                    ping, "id", "protocols.ping_pong.id", default=DEFAULT_PING_PROTOCOL
                ).strip()
                if not ping_protocol.startswith("/") or any(c.isspace() for c in ping_protocol):
                    self.fail(
                        f"{ping_protocol!r} is not a protocol ID",
                        "protocols.ping_pong.id",
                        self.value_line(ping, "id"),
                        hint=f"for example: {DEFAULT_PING_PROTOCOL}",
                    )

        names = self.names(root)
        known_names = {n for n, _ in names}
        return Config(
            path=self.path,
            version=version,
            key_file=key_file,
            listen_addresses=listen,
            enable_quic=enable_quic,
            hole_punching=hole_punching,
            port_mapping=port_mapping,
            stun_servers=stun_servers,
            relay_addresses=relay_addresses,
            reservation_interval=reservation,
            network=ns,
            bootstrap_peers=bootstrap,
            mdns=mdns,
            authorized_keys_file=authorized_keys,
            enable_connection_gating=gating,
            ping_enabled=ping_enabled,
            ping_protocol=ping_protocol,
            services=self.services(root, verified_only_default=verified_only),
            names=names,
            peer_addresses=self.peer_addresses(root, known_names),
            forwards=self.forwards(root, known_names),
            relay_service=self.relay_service(root),
        )

    def relay_service(self, root: CommentedMap) -> RelayServiceConfig:
        node = self.mapping(
            root, "relay_service", "relay_service", _RELAY_SERVICE_KEYS, required=False
        )
        defaults = RelayServiceConfig()
        if node is None:
            return defaults

        def count(key: str) -> int:
            value = node.get(key)
            if value is None:
                return int(getattr(defaults, key))
            dotted = f"relay_service.{key}"
            if (
                not isinstance(value, int)
                or isinstance(value, bool | ScalarBoolean)
                or not (0 < value <= 1_000_000)
            ):
                self.fail(
                    f"expected a whole number from 1 to 1000000 ({_describe(value)} given)",
                    dotted,
                    self.value_line(node, key),
                )
            return int(value)

        return RelayServiceConfig(
            enabled=self.boolean(node, "enabled", "relay_service.enabled", default=False),
            max_reservations=count("max_reservations"),
            max_reservations_per_ip=count("max_reservations_per_ip"),
            max_circuits=count("max_circuits"),
            max_circuits_per_peer=count("max_circuits_per_peer"),
            reservation_ttl=self.duration(
                node,
                "reservation_ttl",
                "relay_service.reservation_ttl",
                default=defaults.reservation_ttl,
            ),
            session_duration=self.duration(
                node,
                "session_duration",
                "relay_service.session_duration",
                default=defaults.session_duration,
            ),
            health_port=self.port(node, "health_port"),
            session_data_limit=self.data_size(
                node, "session_data_limit", defaults.session_data_limit
            ),
        )

    def port(self, node: CommentedMap, key: str) -> int:
        value = node.get(key)
        if value is None:
            return 0
        if (
            not isinstance(value, int)
            or isinstance(value, bool | ScalarBoolean)
            or not (0 <= value <= 65535)
        ):
            self.fail(
                f"expected a port number 0-65535 ({_describe(value)} given)",
                f"relay_service.{key}",
                self.value_line(node, key),
            )
        return int(value)

    def data_size(self, node: CommentedMap, key: str, default: int) -> int:
        value = node.get(key)
        if value is None:
            return default
        dotted = f"relay_service.{key}"
        line = self.value_line(node, key)
        if isinstance(value, int) and not isinstance(value, bool | ScalarBoolean) and value > 0:
            return int(value)
        match = _DATA_SIZE_RE.fullmatch(str(value).strip()) if isinstance(value, str) else None
        if match is None:
            self.fail(
                f"{value!r} is not a data size", dotted, line, hint='for example: "64MB" or "1GB"'
            )
        unit = (match.group(2) or "").upper().replace("IB", "B")
        size = int(match.group(1)) * _DATA_UNITS[unit]
        if size <= 0:
            self.fail(f"{value!r} must be more than 0", dotted, line)
        return size

    def duration(
        self,
        node: CommentedMap,
        key: str,
        dotted: str,
        *,
        default: float = DEFAULT_RESERVATION_INTERVAL,
    ) -> float:
        if key not in node or node[key] is None:
            return default
        value = node[key]
        line = self.value_line(node, key)
        seconds: float
        if isinstance(value, str):
            try:
                seconds = parse_duration(value)
            except ValueError:
                self.fail(
                    f"{value!r} is not a duration",
                    dotted,
                    line,
                    hint='for example: "2m", "30s" or "1h30m"',
                )
        elif isinstance(value, int | float) and not isinstance(value, bool | ScalarBoolean):
            seconds = float(value)
        else:
            self.fail(f"expected a duration ({_describe(value)} given)", dotted, line)
        if not 0 < seconds <= 86400 * 7:
            self.fail(f"{value!r} must be more than 0 and at most a week", dotted, line)
        return seconds

    def services(
        self, root: CommentedMap, *, verified_only_default: bool = False
    ) -> tuple[ServiceConfig, ...]:
        if root.get("services") is None:
            return ()
        services = root["services"]
        if not isinstance(services, CommentedMap):
            self.fail(
                f"expected a mapping of service names ({_type_name(services)} given)",
                "services",
                self.value_line(root, "services"),
            )
        out: list[ServiceConfig] = []
        for name in services:
            dotted = f"services.{name}"
            if not isinstance(name, str):
                self.fail(
                    f"service name {name!r} is not text", "services", self.key_line(services, name)
                )
            try:
                validate_service_name(name)
            except InvalidNameError as exc:
                self.fail(exc.message, dotted, self.key_line(services, name), exc.hint)
            node = self.mapping(
                services,
                name,
                dotted,
                ("enabled", "local_address", "allowed_peers", "protocol", "verified_only"),
                required=True,
            )
            assert node is not None
            local = self.string(node, "local_address", f"{dotted}.local_address").strip()
            try:
                _host, port = parse_host_port(local)
            except InvalidAddressError as exc:
                self.fail(
                    exc.message,
                    f"{dotted}.local_address",
                    self.value_line(node, "local_address"),
                    exc.hint or "for example: localhost:22",
                )
            if port == 0:
                self.fail(
                    f"{local!r}: a service needs a real port (1-65535), not 0",
                    f"{dotted}.local_address",
                    self.value_line(node, "local_address"),
                )
            allowed, _ = self.string_list(
                node, "allowed_peers", f"{dotted}.allowed_peers", _normalize_peer_id
            )
            out.append(
                ServiceConfig(
                    name=name,
                    local_address=local,
                    enabled=self.boolean(node, "enabled", f"{dotted}.enabled", default=True),
                    allowed_peers=allowed,
                    protocol=self.string(node, "protocol", f"{dotted}.protocol", default=""),
                    verified_only=self.boolean(
                        node,
                        "verified_only",
                        f"{dotted}.verified_only",
                        default=verified_only_default,
                    ),
                )
            )
        return tuple(out)

    def names(self, root: CommentedMap) -> tuple[tuple[str, str], ...]:
        if root.get("names") is None:
            return ()
        names = root["names"]
        if not isinstance(names, CommentedMap):
            self.fail(
                f"expected a mapping of name: peer ID ({_type_name(names)} given)",
                "names",
                self.value_line(root, "names"),
            )
        out: list[tuple[str, str]] = []
        for name in names:
            dotted = f"names.{name}"
            if not isinstance(name, str):
                self.fail(f"name {name!r} is not text", "names", self.key_line(names, name))
            try:
                validate_peer_name(name)
            except InvalidNameError as exc:
                self.fail(exc.message, dotted, self.key_line(names, name), exc.hint)
            text = self.string(names, name, dotted)
            try:
                out.append((name, _normalize_peer_id(text)))
            except InvalidPeerIdError as exc:
                self.fail(exc.message, dotted, self.value_line(names, name), exc.hint)
        return tuple(out)

    def peer_ref(self, text: str, known: set[str], dotted: str, line: int) -> str:
        if text in known:
            return text
        try:
            return _normalize_peer_id(text)
        except InvalidPeerIdError:
            self.fail(
                f"{text!r} is neither a name from 'names' nor a peer ID",
                dotted,
                line,
                hint="add it under names: first",
            )

    def peer_addresses(
        self, root: CommentedMap, known: set[str]
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if root.get("peer_addresses") is None:
            return ()
        node = root["peer_addresses"]
        if not isinstance(node, CommentedMap):
            self.fail(
                f"expected a mapping of peer: [addresses] ({_type_name(node)} given)",
                "peer_addresses",
                self.value_line(root, "peer_addresses"),
            )
        out: list[tuple[str, tuple[str, ...]]] = []
        for key in node:
            dotted = f"peer_addresses.{key}"
            if not isinstance(key, str):
                self.fail(f"key {key!r} is not text", "peer_addresses", self.key_line(node, key))
            peer = self.peer_ref(key, known, dotted, self.key_line(node, key))
            addrs, _ = self.string_list(node, key, dotted, check_multiaddr_syntax)
            out.append((peer, addrs))
        return tuple(out)

    def forwards(self, root: CommentedMap, known: set[str]) -> tuple[ForwardConfig, ...]:
        if root.get("forwards") is None:
            return ()
        seq = root["forwards"]
        line = self.value_line(root, "forwards")
        if not isinstance(seq, CommentedSeq):
            self.fail(f"expected a list ({_type_name(seq)} given)", "forwards", line)
        out: list[ForwardConfig] = []
        seen: dict[tuple[str, int], int] = {}
        for i, item in enumerate(seq):
            dotted = f"forwards[{i}]"
            item_line = self.item_line(seq, i, line)
            if not isinstance(item, CommentedMap):
                self.fail(
                    f"expected {{peer, service, listen}} ({_type_name(item)} given)",
                    dotted,
                    item_line,
                )
            self.check_keys(item, dotted, ("peer", "service", "listen"))
            peer_text = self.string(item, "peer", f"{dotted}.peer").strip()
            peer = self.peer_ref(peer_text, known, f"{dotted}.peer", self.value_line(item, "peer"))
            service = self.string(item, "service", f"{dotted}.service").strip()
            try:
                validate_service_name(service)
            except InvalidNameError as exc:
                self.fail(
                    exc.message, f"{dotted}.service", self.value_line(item, "service"), exc.hint
                )
            listen = self.string(item, "listen", f"{dotted}.listen").strip()
            listen_line = self.value_line(item, "listen")
            try:
                hp = parse_host_port(listen)
            except InvalidAddressError as exc:
                self.fail(exc.message, f"{dotted}.listen", listen_line, exc.hint)
            if hp[1] != 0 and hp in seen:
                self.fail(
                    f"{listen!r} is already used by the forward on line {seen[hp]}",
                    f"{dotted}.listen",
                    listen_line,
                )
            seen[hp] = item_line
            out.append(ForwardConfig(peer=peer, service=service, listen=listen))
        return tuple(out)


def _check_stun_server(text: str) -> str:
    host, port = parse_stun_server(text)
    return format_host_port(host, port)


def _normalize_peer_id(text: str) -> str:
    return str(PeerId.parse(text))


def _type_name(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool | ScalarBoolean):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, CommentedMap | dict):
        return "a mapping"
    if isinstance(value, CommentedSeq | list):
        return "a list"
    return type(value).__name__


def _describe(value: object) -> str:
    if isinstance(value, str):
        return repr(value[:40])
    if isinstance(value, int | float) and not isinstance(value, bool | ScalarBoolean):
        return str(value)[:40]  # "-1 given" says what is wrong; "a number given" does not
    return _type_name(value)


def _new_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    # ruamel writes null as an empty value; keep the explicit "null" the template uses.
    yaml.representer.add_representer(type(None), _represent_null)
    return yaml


def _represent_null(representer: RoundTripRepresenter, _data: None) -> ScalarNode:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _load_yaml(text: str, path: Path, yaml: YAML | None = None) -> object:
    yaml = yaml or _new_yaml()
    try:
        # ruamel warns on harmless things (reused anchors); pytest turns warnings into errors.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return yaml.load(text)
    except RecursionError:
        raise ConfigError("invalid YAML: nested too deeply", path=str(path)) from None
    # The file is untrusted input and ruamel raises several unrelated exception types on
    # malformed YAML (YAMLError, but also ValueError/TypeError from its constructors); all of them
    # mean "not valid YAML" to the user.
    except Exception as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = getattr(mark, "line", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0:1]
        if isinstance(problem, list):
            problem = problem[0] if problem else type(exc).__name__
        raise ConfigError(
            f"invalid YAML: {problem}",
            path=str(path),
            line=line + 1 if isinstance(line, int) else None,
        ) from None


def parse_config(text: str, *, path: Path) -> Config:
    """Validate the text of a config file.

    Args:
        text: The YAML document.
        path: Where it lives; relative paths in it are resolved against its directory, and
            errors name it.

    Returns:
        The config with defaults applied.

    Raises:
        ConfigError: With the dotted key and the line of the first problem.
    """
    path = Path(path)
    if not text.strip():
        raise ConfigError(
            "the config file is empty", path=str(path), line=1, hint="run `peerup init`"
        )
    if len(text) > _MAX_CONFIG_SIZE:
        raise ConfigError("the config file is too large", path=str(path))
    if _flow_depth(text) > _MAX_DEPTH:
        raise ConfigError("invalid YAML: nested too deeply", path=str(path))
    root = _load_yaml(text, path)
    return _Parser(path).parse(root)


_MAX_DEPTH = 64


def _flow_depth(text: str) -> int:
    # ruamel recurses once per nesting level and takes seconds to hit RecursionError on
    # "[[[[…"; a config never nests deeper than a handful of levels, so refuse early. Brackets
    # inside quotes or comments are counted too, which can only over-estimate.
    depth = deepest = 0
    for c in text:
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}" and depth:
            depth -= 1
    return deepest


def _read_config_text(path: Path) -> str:
    if not path.exists():
        raise ConfigError(f"config file {path} not found", hint="create one with: peerup init")
    require_private(path, "config file", ConfigError)
    try:
        data = read_limited(path, _MAX_CONFIG_SIZE, "config file", ConfigError)
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} not found", hint="create one with: peerup init"
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "not valid UTF-8 text", path=str(path), line=utf8_error_line(data, exc)
        ) from None


def load_config(path: Path) -> Config:
    """Read and validate a config file.

    Raises:
        ConfigError: Missing (hint: ``peerup init``), readable or writable by group/others,
            unreadable, or invalid.
    """
    path = Path(path)
    return parse_config(_read_config_text(path), path=path)


# --------------------------------------------------------------------------------------------
# Template and init


_TEMPLATE = """\
# peer-up node configuration. Comments are kept when peer-up edits this file.
version: 1

identity:
  # Private key of this node (keep it secret; relative paths are in this directory).
  key_file: identity.key

network:
  # Where this node accepts libp2p connections. Keep the port: your peers remember where they
  # reached you (port 0 picks a new one at every start, and they must find you another way).
  listen_addresses:
    - /ip4/0.0.0.0/tcp/{port}
    - /ip6/::/tcp/{port}
  # QUIC loses data in py-libp2p 0.8.1, so it is off by default.
  enable_quic: false

relay:
  # Relays used when a peer cannot be reached directly, e.g.
  # /ip4/203.0.113.7/tcp/7777/p2p/12D3KooW...
  addresses: []
  reservation_interval: 2m

discovery:
  # Private network name (isolates the DHT); null means the global peer-up network.
  network: {network}
  bootstrap_peers: []

security:
  # Peers allowed to connect (managed with `peerup auth` and `peerup invite`/`join`).
  authorized_keys_file: authorized_keys
  enable_connection_gating: true
  # true: every service admits only peers you verified (peerup verify); a service's own
  # verified_only overrides this.
  verified_only: false

protocols:
  ping_pong:
    enabled: true
    id: /pingpong/1.0.0

# Local services peers may reach, e.g.
#   ssh:
#     enabled: true
#     local_address: localhost:22
#     allowed_peers: []   # empty: every authorized peer
services: {{}}

# Nicknames for peers: name: peer ID.
names: {{}}

# Known addresses of peers: name or peer ID: [multiaddrs].
peer_addresses: {{}}

# Local ports opened when the daemon starts, e.g.
#   - peer: home
#     service: ssh
#     listen: 127.0.0.1:2222
forwards: []
"""


def default_config_text(*, listen_port: int = 0, network: str | None = None) -> str:
    """Return the commented config template.

    Args:
        listen_port: TCP port for the IPv4 and IPv6 listen addresses (0 = any free port).
        network: Private network name, or None for the global network.

    Raises:
        InvalidAddressError: ``listen_port`` is outside 0-65535.
        InvalidNameError: ``network`` is not a valid namespace.
    """
    if isinstance(listen_port, bool) or not 0 <= listen_port <= 65535:
        raise InvalidAddressError(f"listen port {listen_port} is not 0-65535")
    ns = "null" if network is None else f'"{validate_namespace(network)}"'
    return _TEMPLATE.format(port=int(listen_port), network=ns)


def init_config_dir(directory: Path, *, listen_port: int = 0, network: str | None = None) -> Path:
    """Create a config directory: config.yaml, identity key and authorized_keys.

    An existing identity key or authorized_keys file is kept.

    Args:
        directory: Created with mode 0700 if needed.
        listen_port: See :func:`default_config_text`.
        network: See :func:`default_config_text`.

    Returns:
        The path of the new config.yaml.

    Raises:
        AlreadyExistsError: config.yaml already exists.
        ConfigError: The directory or files cannot be created.
    """
    directory = Path(directory)
    config_path = directory / "config.yaml"
    text = default_config_text(listen_port=listen_port, network=network)
    try:
        ensure_private_dir(directory)
    except OSError as exc:
        raise ConfigError(f"cannot create {directory}: {exc.strerror or exc}") from None
    if config_path.exists():
        raise AlreadyExistsError(
            f"{config_path} already exists", hint="edit it, or use another directory"
        )
    key_path = directory / "identity.key"
    if not key_path.exists():
        create_identity_file(key_path)
    keys_path = directory / "authorized_keys"
    if not keys_path.exists():
        write_header(keys_path)
    try:
        atomic_write_text(config_path, text, mode=0o600)
    except OSError as exc:
        raise ConfigError(f"cannot write {config_path}: {exc.strerror or exc}") from None
    return config_path


# --------------------------------------------------------------------------------------------
# Editing


def _block_map() -> CommentedMap:
    node = CommentedMap()
    node.fa.set_block_style()
    return node


def _block_seq(items: Iterable[str] = ()) -> CommentedSeq:
    node = CommentedSeq(items)
    node.fa.set_block_style()
    return node


# ruamel attaches the comment lines that follow an entry to that entry's last scalar, so deleting
# an entry would also delete the comments that introduce the *next* section. These helpers move
# those lines to whatever now precedes them.


def _pop_trailing(node: CommentedMap | CommentedSeq, key: object) -> CommentToken | None:
    value = node[key]
    if isinstance(value, CommentedMap | CommentedSeq) and len(value):
        tok = _pop_trailing(value, _last_key(value))
        if tok is not None:
            return tok
    slot = 2 if isinstance(node, CommentedMap) else 0
    items = node.ca.items.get(key)
    if items and len(items) > slot and isinstance(items[slot], CommentToken):
        found: CommentToken = items[slot]
        items[slot] = None
        return found
    return None


def _last_key(node: CommentedMap | CommentedSeq) -> object:
    return list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1


def _attach_trailing(
    node: CommentedMap | CommentedSeq, key: object, rest: str, tok: CommentToken
) -> None:
    value = node[key]
    if isinstance(value, CommentedMap | CommentedSeq) and len(value):
        if value.fa.flow_style():
            # Inside "[a, b]" the comment would land before the "]"; hang it after the
            # closing bracket instead.
            _append_container_comment(value, rest, tok)
        else:
            _attach_trailing(value, _last_key(value), rest, tok)
        return
    slot = 2 if isinstance(node, CommentedMap) else 0
    items = node.ca.items.setdefault(key, [None, None, None, None])
    while len(items) <= slot:
        items.append(None)
    if isinstance(items[slot], CommentToken):
        items[slot].value = items[slot].value + rest[1:]
    else:
        tok.value = rest
        items[slot] = tok


def _delete_keeping_comments(container: CommentedMap | CommentedSeq, key: object) -> None:
    keys = list(container) if isinstance(container, CommentedMap) else list(range(len(container)))
    position = keys.index(key)
    tok = _pop_trailing(container, key)
    del container[key]
    if tok is None or not isinstance(tok.value, str) or "\n" not in tok.value:
        return
    # The text up to the first newline is the deleted line's own end-of-line comment.
    rest = "\n" + tok.value.split("\n", 1)[1]
    if not len(container):
        container.fa.set_flow_style()
    if not rest.strip():
        return
    if position > 0 and len(container):
        _attach_trailing(container, keys[position - 1], rest, tok)
        return
    _append_container_comment(container, rest, tok)


def _append_container_comment(
    container: CommentedMap | CommentedSeq, rest: str, tok: CommentToken
) -> None:
    existing = container.ca.comment[0] if container.ca.comment else None
    if isinstance(existing, CommentToken):
        existing.value = existing.value + rest[1:]
    else:
        tok.value = rest
        container.ca.comment = [tok, None]


class ConfigEditor:
    """Edits a config file in place, keeping comments and formatting.

    Obtain one with :meth:`open`, call edit methods, then :meth:`save`. Each edit checks its own
    arguments; :meth:`save` re-validates the whole document before writing.
    """

    def __init__(self, path: Path, yaml: YAML, root: CommentedMap) -> None:
        """Use :meth:`open` instead."""
        self.path = path
        self._yaml = yaml
        self._root = root

    @classmethod
    def open(cls, path: Path) -> ConfigEditor:
        """Load ``path`` for editing.

        Raises:
            ConfigError: The file is missing, insecure or invalid (an invalid config is not
                edited; fix it by hand first).
        """
        path = Path(path)
        text = _read_config_text(path)
        parse_config(text, path=path)
        yaml = _new_yaml()
        root = _load_yaml(text, path, yaml)
        assert isinstance(root, CommentedMap)
        return cls(path, yaml, root)

    def _section(self, key: str) -> CommentedMap:
        node = self._root.get(key)
        if not isinstance(node, CommentedMap):
            node = _block_map()
            self._root[key] = node
        elif not node:
            # "services: {}" from the template: switch to block style so entries read naturally.
            node.fa.set_block_style()
        return node

    def _services(self) -> CommentedMap:
        return self._section("services")

    def add_service(
        self,
        name: str,
        local_address: str,
        *,
        allowed_peers: Sequence[str] = (),
        enabled: bool = True,
        verified_only: bool = False,
    ) -> None:
        """Add a service.

        Raises:
            InvalidNameError: Bad service name.
            InvalidAddressError: ``local_address`` is not host:port.
            InvalidPeerIdError: An allowed peer is not a peer ID.
            AlreadyExistsError: A service with that name exists.
        """
        validate_service_name(name)
        host, port = parse_host_port(local_address)
        if port == 0:
            raise InvalidAddressError(f"{local_address!r}: a service needs a real port, not 0")
        peers = [_normalize_peer_id(p) for p in allowed_peers]
        services = self._services()
        if name in services:
            raise AlreadyExistsError(f"service {name!r} already exists")
        entry = _block_map()
        entry["enabled"] = bool(enabled)
        entry["local_address"] = local_address.strip()
        if peers:
            entry["allowed_peers"] = _block_seq(peers)
        if verified_only:
            entry["verified_only"] = True
        services[name] = entry
        del host

    def remove_service(self, name: str) -> None:
        """Remove a service.

        Raises:
            NotFoundError: No such service.
        """
        services = self._root.get("services")
        if not isinstance(services, CommentedMap) or name not in services:
            raise NotFoundError(f"service {name!r} is not configured")
        _delete_keeping_comments(services, name)

    def set_service_enabled(self, name: str, enabled: bool) -> None:
        """Enable or disable a service.

        Raises:
            NotFoundError: No such service.
        """
        services = self._root.get("services")
        if not isinstance(services, CommentedMap) or name not in services:
            raise NotFoundError(f"service {name!r} is not configured")
        entry = services[name]
        if not isinstance(entry, CommentedMap):
            entry = _block_map()
            services[name] = entry
        entry["enabled"] = bool(enabled)

    def set_name(self, name: str, peer_id: str) -> None:
        """Set (or replace) the nickname ``name`` for ``peer_id``.

        Raises:
            InvalidNameError: Bad name.
            InvalidPeerIdError: Bad peer ID.
        """
        validate_peer_name(name)
        self._section("names")[name] = _normalize_peer_id(peer_id)

    def remove_name(self, name: str) -> None:
        """Remove a nickname.

        Raises:
            NotFoundError: No such name.
        """
        names = self._root.get("names")
        if not isinstance(names, CommentedMap) or name not in names:
            raise NotFoundError(f"name {name!r} is not configured")
        _delete_keeping_comments(names, name)

    def add_peer_addresses(self, name_or_id: str, addrs: Iterable[str]) -> None:
        """Remember multiaddrs for a peer (duplicates are skipped).

        Raises:
            InvalidAddressError: A multiaddr is malformed.
        """
        checked = [check_multiaddr_syntax(a) for a in addrs]
        section = self._section("peer_addresses")
        current = section.get(name_or_id)
        if not isinstance(current, CommentedSeq):
            current = _block_seq()
            section[name_or_id] = current
        for addr in checked:
            if addr not in current:
                current.append(addr)

    def _relay_addresses(self) -> CommentedSeq:
        relay = self._section("relay")
        addresses = relay.get("addresses")
        if not isinstance(addresses, CommentedSeq):
            addresses = _block_seq()
            relay["addresses"] = addresses
        elif not addresses:
            addresses.fa.set_block_style()
        return addresses

    def add_relay(self, address: str) -> None:
        """Add a relay (a full multiaddr ending in /p2p/<relay-id>).

        Raises:
            InvalidAddressError: Malformed, or without the relay's peer ID.
            AlreadyExistsError: The relay is configured already.
        """
        addr = check_multiaddr_syntax(address)
        if "/p2p/" not in addr or "/p2p-circuit" in addr:
            raise InvalidAddressError(
                f"{addr} must end with /p2p/<relay peer ID>",
                hint="`peerup relay info` on the relay prints its full address",
            )
        addresses = self._relay_addresses()
        if addr in addresses:
            raise AlreadyExistsError(f"relay {addr} is configured already")
        addresses.append(addr)

    def remove_relay(self, address: str) -> None:
        """Remove a relay by its full multiaddr or its peer ID.

        Raises:
            NotFoundError: No configured relay matches.
        """
        wanted = address.strip()
        addresses = self._relay_addresses()
        for i, item in enumerate(addresses):
            text = str(item)
            if text == wanted or text.endswith(f"/p2p/{wanted}"):
                _delete_keeping_comments(addresses, i)
                return
        raise NotFoundError(
            f"no relay {wanted} in relay.addresses",
            hint="`peerup relay list` shows the configured relays; remove one by its full "
            "address or its peer ID",
        )

    def set_relay_service_enabled(self, enabled: bool) -> None:
        """Turn this node's circuit relay service on or off (``relay_service.enabled``)."""
        self._section("relay_service")["enabled"] = bool(enabled)

    def add_forward(self, peer: str, service: str, listen: str) -> None:
        """Add a forward opened at daemon start.

        Raises:
            InvalidNameError: Bad service name.
            InvalidAddressError: ``listen`` is not host:port.
            AlreadyExistsError: Another forward listens on the same address.
        """
        validate_service_name(service)
        wanted = parse_host_port(listen)
        forwards = self._root.get("forwards")
        if not isinstance(forwards, CommentedSeq):
            forwards = _block_seq()
            self._root["forwards"] = forwards
        elif not forwards:
            forwards.fa.set_block_style()
        if wanted[1] != 0 and self._find_forward(forwards, wanted) is not None:
            raise AlreadyExistsError(f"a forward already listens on {format_host_port(*wanted)}")
        entry = _block_map()
        entry["peer"] = peer
        entry["service"] = service
        entry["listen"] = listen.strip()
        forwards.append(entry)

    @staticmethod
    def _find_forward(forwards: CommentedSeq, wanted: tuple[str, int]) -> int | None:
        for i, item in enumerate(forwards):
            if isinstance(item, CommentedMap) and isinstance(item.get("listen"), str):
                try:
                    if parse_host_port(item["listen"]) == wanted:
                        return i
                except InvalidAddressError:
                    continue
        return None

    def remove_forward(self, listen: str) -> None:
        """Remove the forward listening on ``listen``.

        Raises:
            NotFoundError: No forward listens there.
        """
        forwards = self._root.get("forwards")
        wanted = parse_host_port(listen)
        index = self._find_forward(forwards, wanted) if isinstance(forwards, CommentedSeq) else None
        if index is None or not isinstance(forwards, CommentedSeq):
            raise NotFoundError(f"no forward listens on {listen}")
        _delete_keeping_comments(forwards, index)

    def text(self) -> str:
        """Return the edited document as YAML text."""
        out = io.StringIO()
        self._yaml.dump(self._root, out)
        return out.getvalue()

    def save(self) -> Config:
        """Validate the edited document and write it atomically (mode 0600).

        Returns:
            The new config.

        Raises:
            ConfigError: The edits made the config invalid (nothing is written), or the file
                cannot be written.
        """
        text = self.text()
        config = parse_config(text, path=self.path)
        try:
            atomic_write_text(self.path, text, mode=0o600)
        except OSError as exc:
            raise ConfigError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        return config


def config_to_dict(config: Config) -> dict[str, object]:
    """Return the resolved config as plain JSON-able data (paths as text)."""
    return {
        "path": str(config.path),
        "version": config.version,
        "identity": {"key_file": str(config.key_file)},
        "network": {
            "listen_addresses": list(config.listen_addresses),
            "enable_quic": config.enable_quic,
            "stun_servers": list(config.stun_servers),
            "hole_punching": config.hole_punching,
            "port_mapping": config.port_mapping,
        },
        "relay": {
            "addresses": list(config.relay_addresses),
            "reservation_interval": config.reservation_interval,
        },
        "discovery": {
            "network": config.network,
            "bootstrap_peers": list(config.bootstrap_peers),
            "mdns": config.mdns,
        },
        "security": {
            "authorized_keys_file": str(config.authorized_keys_file),
            "enable_connection_gating": config.enable_connection_gating,
        },
        "protocols": {
            "ping_pong": {"enabled": config.ping_enabled, "id": config.ping_protocol},
        },
        "services": {
            s.name: {
                "enabled": s.enabled,
                "local_address": s.local_address,
                "allowed_peers": list(s.allowed_peers),
                "protocol": s.protocol,
                "verified_only": s.verified_only,
            }
            for s in config.services
        },
        "names": dict(config.names),
        "peer_addresses": {peer: list(addrs) for peer, addrs in config.peer_addresses},
        "forwards": [
            {"peer": f.peer, "service": f.service, "listen": f.listen} for f in config.forwards
        ],
        "relay_service": dataclasses.asdict(config.relay_service),
    }
