"""Parsing config.yaml into a :class:`~app.core.config.schema.Config`: one method per section.

Sections are read in a fixed order (version, identity, network, relay, discovery, security,
protocols, names, services, peer_addresses, forwards, relay_service), so that a file with several
problems always reports the same first one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarbool import ScalarBoolean

from app.core.config.schema import (
    AUTO_RELAY_KEYS,
    CONFIG_VERSION,
    DEFAULT_PING_PROTOCOL,
    DEFAULT_PROBATION_TIMEOUT,
    DEFAULT_RESERVATION_INTERVAL,
    RELAY_SERVICE_KEYS,
    TOP_KEYS,
    AutoRelayConfig,
    Config,
    ForwardConfig,
    RelayServiceConfig,
    ServiceConfig,
)
from app.core.config.yamldoc import (
    MAX_CONFIG_SIZE,
    MAX_DEPTH,
    NodeReader,
    describe,
    flow_depth,
    load_yaml,
    type_name,
)
from app.core.errors import (
    ConfigError,
    InvalidAddressError,
    InvalidNameError,
    InvalidPeerIdError,
)
from app.core.ids.names import validate_namespace, validate_peer_name, validate_service_name
from app.core.ids.netaddr import check_multiaddr_syntax, format_host_port, parse_host_port
from app.core.ids.peerid import PeerId
from app.core.reach.reachability import parse_stun_server

_DATA_SIZE_RE = re.compile(r"(\d+)\s*(B|KB|MB|GB|KIB|MIB|GIB)?", re.IGNORECASE)
_DATA_UNITS = {"": 1, "B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}


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
    if len(text) > MAX_CONFIG_SIZE:
        raise ConfigError("the config file is too large", path=str(path))
    if flow_depth(text) > MAX_DEPTH:
        raise ConfigError("invalid YAML: nested too deeply", path=str(path))
    root = load_yaml(text, path)
    return _Parser(path).parse(root)


def normalize_peer_id(text: str) -> str:
    """Return the canonical text of the peer ID ``text``.

    Raises:
        InvalidPeerIdError: Not a peer ID.
    """
    return str(PeerId.parse(text))


def _check_stun_server(text: str) -> str:
    host, port = parse_stun_server(text)
    return format_host_port(host, port)


class _Network(NamedTuple):
    listen_addresses: tuple[str, ...]
    enable_quic: bool
    hole_punching: bool
    port_mapping: bool
    stun_servers: tuple[str, ...]


class _Relay(NamedTuple):
    addresses: tuple[str, ...] = ()
    reservation_interval: float = DEFAULT_RESERVATION_INTERVAL


class _Discovery(NamedTuple):
    network: str | None = None
    bootstrap_peers: tuple[str, ...] = ()
    mdns: bool = False


class _Security(NamedTuple):
    authorized_keys_file: Path
    enable_connection_gating: bool = True
    verified_only: bool = False
    probation_timeout: float = DEFAULT_PROBATION_TIMEOUT


class _Protocols(NamedTuple):
    ping_enabled: bool = True
    ping_protocol: str = DEFAULT_PING_PROTOCOL


class _Parser(NodeReader):
    def parse(self, root: object) -> Config:
        if not isinstance(root, CommentedMap):
            self.fail(
                f"the file must be a YAML mapping of sections ({type_name(root)} given)",
                None,
                self.node_line(root),
                hint="run `peerup init` for a fresh example",
            )
        self.check_keys(root, "", TOP_KEYS)
        version = self.version(root)
        key_file, identity_name = self.identity(root)
        network = self.network(root)
        relay = self.relay(root)
        discovery = self.discovery(root)
        security = self.security(root)
        protocols = self.protocols(root)
        names = self.names(root)
        known_names = {n for n, _ in names}
        return Config(
            path=self.path,
            version=version,
            key_file=key_file,
            identity_name=identity_name,
            listen_addresses=network.listen_addresses,
            enable_quic=network.enable_quic,
            hole_punching=network.hole_punching,
            port_mapping=network.port_mapping,
            stun_servers=network.stun_servers,
            relay_addresses=relay.addresses,
            reservation_interval=relay.reservation_interval,
            network=discovery.network,
            bootstrap_peers=discovery.bootstrap_peers,
            mdns=discovery.mdns,
            authorized_keys_file=security.authorized_keys_file,
            enable_connection_gating=security.enable_connection_gating,
            probation_timeout=security.probation_timeout,
            ping_enabled=protocols.ping_enabled,
            ping_protocol=protocols.ping_protocol,
            services=self.services(root, verified_only_default=security.verified_only),
            names=names,
            peer_addresses=self.peer_addresses(root, known_names),
            forwards=self.forwards(root, known_names),
            relay_service=self.relay_service(root),
        )

    def version(self, root: CommentedMap) -> int:
        if "version" not in root or root["version"] is None:
            return CONFIG_VERSION
        raw = root["version"]
        line = self.value_line(root, "version")
        if isinstance(raw, bool | ScalarBoolean) or not isinstance(raw, int):
            self.fail(f"expected a whole number ({describe(raw)} given)", "version", line)
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
        return max(version, CONFIG_VERSION)

    def identity(self, root: CommentedMap) -> tuple[Path, str | None]:
        identity = self.mapping(root, "identity", "identity", ("key_file", "name"), required=True)
        assert identity is not None
        key_file = self.path_value(identity, "key_file", "identity.key_file", "")
        if identity.get("name") is None:
            return key_file, None
        name = self.string(identity, "name", "identity.name").strip()
        try:
            validate_peer_name(name)
        except InvalidNameError as exc:
            self.fail(exc.message, "identity.name", self.value_line(identity, "name"), exc.hint)
        return key_file, name

    def network(self, root: CommentedMap) -> _Network:
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
        return _Network(listen, enable_quic, hole_punching, port_mapping, stun_servers)

    def relay(self, root: CommentedMap) -> _Relay:
        relay = self.mapping(
            root, "relay", "relay", ("addresses", "reservation_interval"), required=False
        )
        if relay is None:
            return _Relay()
        addresses, _ = self.string_list(
            relay, "addresses", "relay.addresses", check_multiaddr_syntax
        )
        reservation = self.duration(relay, "reservation_interval", "relay.reservation_interval")
        return _Relay(addresses, reservation)

    def discovery(self, root: CommentedMap) -> _Discovery:
        discovery = self.mapping(
            root, "discovery", "discovery", ("network", "bootstrap_peers", "mdns"), required=False
        )
        if discovery is None:
            return _Discovery()
        mdns = self.boolean(discovery, "mdns", "discovery.mdns", default=False)
        ns: str | None = None
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
        return _Discovery(ns, bootstrap, mdns)

    def security(self, root: CommentedMap) -> _Security:
        security = self.mapping(
            root,
            "security",
            "security",
            (
                "authorized_keys_file",
                "enable_connection_gating",
                "verified_only",
                "probation_timeout",
            ),
            required=False,
        )
        if security is None:
            return _Security((self.base / "authorized_keys").absolute())
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
        probation_timeout = self.duration(
            security,
            "probation_timeout",
            "security.probation_timeout",
            default=DEFAULT_PROBATION_TIMEOUT,
        )
        return _Security(authorized_keys, gating, verified_only, probation_timeout)

    def protocols(self, root: CommentedMap) -> _Protocols:
        protocols = self.mapping(root, "protocols", "protocols", ("ping_pong",), required=False)
        if protocols is None:
            return _Protocols()
        ping = self.mapping(
            protocols, "ping_pong", "protocols.ping_pong", ("enabled", "id"), required=False
        )
        if ping is None:
            return _Protocols()
        ping_enabled = self.boolean(ping, "enabled", "protocols.ping_pong.enabled", default=True)
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
        return _Protocols(ping_enabled, ping_protocol)

    def relay_service(self, root: CommentedMap) -> RelayServiceConfig:
        node = self.mapping(
            root, "relay_service", "relay_service", RELAY_SERVICE_KEYS, required=False
        )
        defaults = RelayServiceConfig()
        if node is None:
            return defaults
        auto = self.mapping(node, "auto", "relay_service.auto", AUTO_RELAY_KEYS, required=False)
        return RelayServiceConfig(
            enabled=self.boolean(node, "enabled", "relay_service.enabled", default=False),
            health_port=self.port(node, "health_port"),
            open_reservations=self.boolean(
                node, "open_reservations", "relay_service.open_reservations", default=False
            ),
            auto=(
                AutoRelayConfig(**self.relay_limits(auto, "relay_service.auto", AutoRelayConfig()))
                if auto is not None
                else AutoRelayConfig()
            ),
            **self.relay_limits(node, "relay_service", defaults),
        )

    def relay_limits(
        self, node: CommentedMap, dotted: str, defaults: RelayServiceConfig | AutoRelayConfig
    ) -> dict[str, Any]:
        """The limits of a relay hop in ``node`` (``relay_service`` or ``relay_service.auto``)."""

        def count(key: str) -> int:
            value = node.get(key)
            if value is None:
                return int(getattr(defaults, key))
            if (
                not isinstance(value, int)
                or isinstance(value, bool | ScalarBoolean)
                or not (0 < value <= 1_000_000)
            ):
                self.fail(
                    f"expected a whole number from 1 to 1000000 ({describe(value)} given)",
                    f"{dotted}.{key}",
                    self.value_line(node, key),
                )
            return int(value)

        def duration(key: str) -> float:
            return self.duration(
                node, key, f"{dotted}.{key}", default=float(getattr(defaults, key))
            )

        return {
            "max_reservations": count("max_reservations"),
            "max_reservations_per_ip": count("max_reservations_per_ip"),
            "max_circuits": count("max_circuits"),
            "max_circuits_per_peer": count("max_circuits_per_peer"),
            "reservation_ttl": duration("reservation_ttl"),
            "session_duration": duration("session_duration"),
            "session_data_limit": self.data_size(
                node, f"{dotted}.session_data_limit", "session_data_limit",
                defaults.session_data_limit,
            ),
        }  # fmt: skip

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
                f"expected a port number 0-65535 ({describe(value)} given)",
                f"relay_service.{key}",
                self.value_line(node, key),
            )
        return int(value)

    def data_size(self, node: CommentedMap, dotted: str, key: str, default: int) -> int:
        value = node.get(key)
        if value is None:
            return default
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

    def services(
        self, root: CommentedMap, *, verified_only_default: bool = False
    ) -> tuple[ServiceConfig, ...]:
        if root.get("services") is None:
            return ()
        services = root["services"]
        if not isinstance(services, CommentedMap):
            self.fail(
                f"expected a mapping of service names ({type_name(services)} given)",
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
                node, "allowed_peers", f"{dotted}.allowed_peers", normalize_peer_id
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
                f"expected a mapping of name: peer ID ({type_name(names)} given)",
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
                out.append((name, normalize_peer_id(text)))
            except InvalidPeerIdError as exc:
                self.fail(exc.message, dotted, self.value_line(names, name), exc.hint)
        return tuple(out)

    def peer_ref(self, text: str, known: set[str], dotted: str, line: int) -> str:
        if text in known:
            return text
        try:
            return normalize_peer_id(text)
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
                f"expected a mapping of peer: [addresses] ({type_name(node)} given)",
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
            self.fail(f"expected a list ({type_name(seq)} given)", "forwards", line)
        out: list[ForwardConfig] = []
        seen: dict[tuple[str, int], int] = {}
        for i, item in enumerate(seq):
            dotted = f"forwards[{i}]"
            item_line = self.item_line(seq, i, line)
            if not isinstance(item, CommentedMap):
                self.fail(
                    f"expected {{peer, service, listen}} ({type_name(item)} given)",
                    dotted,
                    item_line,
                )
            self.check_keys(item, dotted, ("peer", "service", "listen", "enabled"))
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
            enabled = self.boolean(item, "enabled", f"{dotted}.enabled", default=True)
            out.append(ForwardConfig(peer=peer, service=service, listen=listen, enabled=enabled))
        return tuple(out)
