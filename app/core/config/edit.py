"""Editing config.yaml in place: :class:`ConfigEditor` keeps the user's comments and layout.

Each edit checks its own arguments; :meth:`ConfigEditor.save` re-validates the whole document
before writing, so the editor can never save a config that would not load.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.tokens import CommentToken

from app.core.config.load import read_config_text
from app.core.config.parse import normalize_peer_id, parse_config
from app.core.config.schema import Config
from app.core.config.yamldoc import load_yaml, new_yaml
from app.core.errors import (
    AlreadyExistsError,
    ConfigError,
    InvalidAddressError,
    InvalidNetworkError,
    NotFoundError,
)
from app.core.ids.names import validate_namespace, validate_peer_name, validate_service_name
from app.core.ids.netaddr import check_multiaddr_syntax, format_host_port, parse_host_port
from app.core.status import SettingsUpdate
from app.util.fsio import atomic_write_text


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


def _trailing_slot(
    node: CommentedMap | CommentedSeq, key: object
) -> tuple[list[object], int] | None:
    """Where the comment after ``node[key]`` lives (deepest last entry first): (items, slot)."""
    value = node[key]
    if isinstance(value, CommentedMap | CommentedSeq) and len(value):
        found = _trailing_slot(value, _last_key(value))
        if found is not None:
            return found
    slot = 2 if isinstance(node, CommentedMap) else 0
    items = node.ca.items.get(key)
    if items and len(items) > slot and isinstance(items[slot], CommentToken):
        return items, slot
    return None


def _pop_trailing(node: CommentedMap | CommentedSeq, key: object) -> CommentToken | None:
    found = _trailing_slot(node, key)
    if found is None:
        return None
    items, slot = found
    tok = items[slot]
    assert isinstance(tok, CommentToken)
    items[slot] = None
    return tok


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


def _set_keeping_layout(node: CommentedMap, key: str, value: object) -> None:
    """``node[key] = value``; a new key goes last, before the blank lines and comment lines that
    ended the section (they stay between this section and the next)."""
    if key in node or not len(node):
        node[key] = value
        return
    found = _trailing_slot(node, _last_key(node))
    node[key] = value
    if found is None:
        return
    items, slot = found
    tok = items[slot]
    assert isinstance(tok, CommentToken)
    # The text up to the first newline is the last entry's own end-of-line comment: it stays.
    own, newline, rest = str(tok.value).partition("\n")
    if not newline or not rest:
        return
    tok.value = own + "\n"
    _attach_trailing(node, key, "\n" + rest, CommentToken("\n" + rest, tok.start_mark))


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
        text = read_config_text(path)
        parse_config(text, path=path)
        yaml = new_yaml()
        root = load_yaml(text, path, yaml)
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
        peers = [normalize_peer_id(p) for p in allowed_peers]
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

    def update_service(
        self,
        name: str,
        local_address: str,
        *,
        allowed_peers: Sequence[str] = (),
        verified_only: bool = False,
    ) -> None:
        """Change a service's address, allowed peers and ``verified_only`` in place (its
        ``enabled``, ``protocol`` and comments stay).

        Raises:
            NotFoundError: No such service.
            InvalidAddressError: ``local_address`` is not host:port.
            InvalidPeerIdError: An allowed peer is not a peer ID.
        """
        _host, port = parse_host_port(local_address)
        if port == 0:
            raise InvalidAddressError(f"{local_address!r}: a service needs a real port, not 0")
        peers = [normalize_peer_id(p) for p in allowed_peers]
        services = self._root.get("services")
        entry = services.get(name) if isinstance(services, CommentedMap) else None
        if not isinstance(entry, CommentedMap):
            raise NotFoundError(f"service {name!r} is not configured")
        entry["local_address"] = local_address.strip()
        if peers:
            _set_keeping_layout(entry, "allowed_peers", _block_seq(peers))
        elif "allowed_peers" in entry:
            _delete_keeping_comments(entry, "allowed_peers")
        if verified_only or "verified_only" in entry:
            _set_keeping_layout(entry, "verified_only", bool(verified_only))

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
        self._section("names")[name] = normalize_peer_id(peer_id)

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

    # ---- settings (the preferences front ends edit) --------------------------------------------

    def set_device_name(self, name: str | None) -> None:
        """Set the name this device announces (``identity.name``); None: the host name again.

        Raises:
            InvalidNameError: Not a valid peer name (letters, digits, ``.``, ``_``, ``-``).
        """
        identity = self._section("identity")
        if name is None:
            if "name" in identity:
                identity["name"] = None  # the template's comment above it stays useful
            return
        _set_keeping_layout(identity, "name", validate_peer_name(name.strip()))

    def set_network(self, network: str | None) -> None:
        """Set the private network (``discovery.network``); None: the global peer-up network.

        Raises:
            InvalidNetworkError: Not a valid network name.
        """
        value = None if network is None else validate_namespace(network.strip())
        _set_keeping_layout(self._section("discovery"), "network", value)

    def set_mdns(self, enabled: bool) -> None:
        """Turn LAN discovery by multicast DNS on or off (``discovery.mdns``)."""
        _set_keeping_layout(self._section("discovery"), "mdns", bool(enabled))

    def set_port_mapping(self, enabled: bool) -> None:
        """Turn asking the router for a port on or off (``network.port_mapping``)."""
        _set_keeping_layout(self._section("network"), "port_mapping", bool(enabled))

    def set_hole_punching(self, enabled: bool) -> None:
        """Turn hole punching of relayed connections on or off (``network.hole_punching``)."""
        _set_keeping_layout(self._section("network"), "hole_punching", bool(enabled))

    def update_settings(self, change: SettingsUpdate) -> None:
        """Change several preferences at once; a member that is None leaves one as it is.

        Raises:
            InvalidNameError: A bad device name.
            InvalidNetworkError: A bad network name, or one given with ``clear_network``.
        """
        if change.clear_network and change.network:
            raise InvalidNetworkError(
                "give either a network or clear_network, not both",
                hint="clear_network selects the global peer-up network",
            )
        if change.device_name is not None:
            self.set_device_name(change.device_name.strip() or None)
        if change.clear_network or change.network is not None:
            self.set_network((change.network or "").strip() or None)
        if change.mdns is not None:
            self.set_mdns(change.mdns)
        if change.port_mapping is not None:
            self.set_port_mapping(change.port_mapping)
        if change.hole_punching is not None:
            self.set_hole_punching(change.hole_punching)

    # ---- forwards -------------------------------------------------------------------------------

    def add_forward(self, peer: str, service: str, listen: str, *, enabled: bool = True) -> None:
        """Add a forward opened at daemon start (``enabled: false``: kept, not opened).

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
        if not enabled:
            entry["enabled"] = False
        forwards.append(entry)

    @staticmethod
    def _find_forward(
        forwards: CommentedSeq, wanted: tuple[str, int], service: str | None = None
    ) -> int | None:
        for i, item in enumerate(forwards):
            if not isinstance(item, CommentedMap) or not isinstance(item.get("listen"), str):
                continue
            if service is not None and str(item.get("service", "")).strip() != service:
                continue
            try:
                if parse_host_port(item["listen"]) == wanted:
                    return i
            except InvalidAddressError:
                continue
        return None

    def _forward_index(self, listen: str, service: str | None) -> tuple[CommentedSeq, int]:
        forwards = self._root.get("forwards")
        wanted = parse_host_port(listen)
        if isinstance(forwards, CommentedSeq):
            index = self._find_forward(forwards, wanted, service)
            if index is not None:
                return forwards, index
        raise NotFoundError(f"no forward listens on {listen}")

    def remove_forward(self, listen: str, *, service: str | None = None) -> None:
        """Remove the forward listening on ``listen`` (of ``service``, when given: entries on
        port 0 may share an address).

        Raises:
            NotFoundError: No forward listens there.
        """
        forwards, index = self._forward_index(listen, service)
        _delete_keeping_comments(forwards, index)

    def set_forward_enabled(
        self, listen: str, enabled: bool, *, service: str | None = None
    ) -> None:
        """Open the forward on ``listen`` at start, or keep it closed (``enabled: false``).

        Raises:
            NotFoundError: No forward listens there.
        """
        forwards, index = self._forward_index(listen, service)
        entry = forwards[index]
        assert isinstance(entry, CommentedMap)
        if enabled:
            if "enabled" in entry:
                entry["enabled"] = True
            return
        _set_keeping_layout(entry, "enabled", False)

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
