"""Edits of config.yaml while the node runs, applied to it at once.

While a daemon runs it is the only writer of config.yaml: the CLI (and the tray) send their
edits here through the API instead of editing the file behind its back. Every edit goes through
the :class:`~app.engine.settings.SettingsStore` (round-trip YAML: comments survive); then
:meth:`LiveConfig.changed` applies what changed to the running node and publishes
``config-changed``:

* ``services``: a configured service is exposed as configured while enabled, and unexposed when
  disabled or removed (services exposed through the API without ``persist`` are left alone);
  :meth:`LiveConfig.services` lists the disabled ones too, and every edit of the section is one
  ``services-changed`` event;
* ``forwards``: the saved forwards are opened, stopped or closed as configured
  (:class:`~app.engine.savedforwards.SavedForwards`; its own edits it has applied already);
* ``relay.addresses``: the relay client reserves on a new relay at once and stops using a removed
  one; when ``discovery.bootstrap_peers`` is empty the relays are the DHT's bootstrap peers, so
  they change with them;
* ``discovery.bootstrap_peers``: the DHT's bootstrap peers;
* ``names``, ``peer_addresses``, ``identity.name`` (the device name announced by the next
  invite, join or relay pairing): read where they are used, so they apply at once anyway;
* the other preferences (:meth:`LiveConfig.update_settings`): ``network.hole_punching`` starts or
  stops DCUtR (for relayed connections from then on), ``network.port_mapping`` makes the router
  mapping or deletes it, ``discovery.mdns`` starts or stops mDNS, ``discovery.network`` moves the
  DHT to the new namespace (see :mod:`app.engine.switches` and :meth:`PeerDHT.set_network`).
  A ``settings-changed`` event with the new values comes before ``config-changed``.

Anything else (listen addresses, QUIC, STUN servers, the relay service, gating…) takes effect
at the next start, and the event's ``restart_needed`` says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from app.core.config import SETTINGS_KEYS, Config, ServiceConfig, changed_keys
from app.core.errors import NotFoundError, PeerupError
from app.core.status import (
    ConfigChanged,
    RelayInfo,
    ServiceInfo,
    Settings,
    SettingsChanged,
    SettingsUpdate,
)
from app.engine.bus import EventBus
from app.engine.dht import PeerDHT
from app.engine.relayclient import RelayClient
from app.engine.savedforwards import SavedForwards
from app.engine.services import ServiceRegistry
from app.engine.settings import SettingsStore
from app.engine.switches import HolePunching, LanDiscovery, PortMapping

__all__ = ["LIVE_KEYS", "LiveConfig"]

log = logging.getLogger("peerup.engine.liveconfig")

LIVE_KEYS = frozenset(
    {
        "services",
        "forwards",
        "names",
        "peer_addresses",
        "relay.addresses",
        "discovery.bootstrap_peers",
        *SETTINGS_KEYS,
    }
)
"""The keys of :func:`app.core.config.changed_keys` a running node applies without a restart."""


class LiveConfig:
    """The config edits the API asks for, and applying every edit to the running node.

    Args:
        settings: The config and its one writer.
        bus: Where ``config-changed`` goes.
        resolve_peer_id: A name or peer ID to a peer ID (for ``allowed_peers``).
        relay_infos: The relays as ``status`` shows them.
    """

    def __init__(
        self,
        settings: SettingsStore,
        bus: EventBus,
        *,
        resolve_peer_id: Callable[[str], str],
        relay_infos: Callable[[], list[RelayInfo]],
    ) -> None:
        self._settings = settings
        self._bus = bus
        self._resolve = resolve_peer_id
        self._relay_infos = relay_infos
        self._services: ServiceRegistry | None = None
        self._relay_client: RelayClient | None = None
        self._dht: PeerDHT | None = None
        self._hole_punching: HolePunching | None = None
        self._port_mapping: PortMapping | None = None
        self._lan: LanDiscovery | None = None
        self._saved_forwards: SavedForwards | None = None

    def attach(
        self,
        services: ServiceRegistry,
        relay_client: RelayClient,
        dht: PeerDHT,
        *,
        hole_punching: HolePunching,
        port_mapping: PortMapping,
        lan_discovery: LanDiscovery,
        saved_forwards: SavedForwards,
    ) -> None:
        """The node runs: apply the changes to these from now on."""
        self._services, self._relay_client, self._dht = services, relay_client, dht
        self._hole_punching, self._port_mapping = hole_punching, port_mapping
        self._lan, self._saved_forwards = lan_discovery, saved_forwards

    def changed(self, old: Config, new: Config) -> None:
        """The settings store saved an edit: apply it, then publish ``config-changed``."""
        keys = changed_keys(old, new)
        if not keys:
            return
        if "services" in keys and self._services is not None:
            with self._services.batch():
                self._sync_services(old, new)
                self._services.changed()  # a disabled service's entry is listed too
        if "forwards" in keys and self._saved_forwards is not None:
            self._saved_forwards.config_changed()
        if "relay.addresses" in keys and self._relay_client is not None:
            self._relay_client.set_relays(new.relay_addresses)
        if {"relay.addresses", "discovery.bootstrap_peers"} & set(keys) and self._dht is not None:
            self._dht.set_bootstrap(new.bootstrap_peers or new.relay_addresses)
        self._apply_settings(keys, new)
        restart = tuple(k for k in keys if k not in LIVE_KEYS)
        if restart:
            log.info("config changed; applies at the next start: %s", ", ".join(restart))
        self._bus.publish(ConfigChanged(keys=keys, restart_needed=restart))

    # ---- settings (preferences) -----------------------------------------------------------------

    def settings(self) -> Settings:
        """The preferences as configured now (each applied to the running node)."""
        return self._settings.config.settings()

    def update_settings(self, change: SettingsUpdate) -> Settings:
        """Change preferences in config.yaml and apply them at once (see :class:`SettingsUpdate`).

        Returns:
            The preferences now.

        Raises:
            InvalidNameError: ``device_name`` is not a valid name (``invalid-name``).
            InvalidNetworkError: ``network`` is not a valid network name, or is given together
                with ``clear_network`` (``invalid-network``). Nothing is written then.
        """
        if change.changes_nothing:
            return self.settings()
        with self._settings.edit() as editor:
            editor.update_settings(change)
        return self.settings()

    def _apply_settings(self, keys: tuple[str, ...], new: Config) -> None:
        """Apply changed preferences to the running node and publish ``settings-changed``."""
        if "network.hole_punching" in keys and self._hole_punching is not None:
            self._hole_punching.set_enabled(new.hole_punching)
        if "network.port_mapping" in keys and self._port_mapping is not None:
            self._port_mapping.set_enabled(new.port_mapping)
        if "discovery.mdns" in keys and self._lan is not None:
            self._lan.set_enabled(new.mdns)
        if "discovery.network" in keys and self._dht is not None:
            self._dht.set_network(new.network)
        if SETTINGS_KEYS & set(keys):
            self._bus.publish(SettingsChanged(settings=new.settings()))

    # ---- services -------------------------------------------------------------------------------

    def _require_services(self) -> ServiceRegistry:
        if self._services is None:
            raise PeerupError("the node is not running")
        return self._services

    def _exposed(self) -> dict[str, ServiceInfo]:
        return {s.name: s for s in self._require_services().snapshot()}

    def services(self) -> list[ServiceInfo]:
        """Every service: the configured ones in config order, then those exposed through the
        API only (without ``persist``), by name. Empty while the node does not run.

        An exposed service is listed as it runs (``enabled`` True, its counters); a configured
        one that is not exposed (``enabled: false`` in the config) as configured, ``enabled``
        False, so front ends can list it and enable it again.
        """
        if self._services is None:
            return []
        exposed = self._exposed()
        configured = [self._listed(s, exposed) for s in self._settings.config.services]
        listed = {s.name for s in configured}
        return [*configured, *(s for name, s in exposed.items() if name not in listed)]

    @staticmethod
    def _listed(service: ServiceConfig, exposed: dict[str, ServiceInfo]) -> ServiceInfo:
        """A configured service as listed: as exposed now, else as configured, not enabled."""
        live = exposed.get(service.name)
        return live if live is not None else replace(service.info(), enabled=False)

    def _sync_services(self, old: Config, new: Config) -> None:
        before = {s.name: s for s in old.services}
        after = {s.name: s for s in new.services}
        for name in before.keys() - after.keys():
            if name in self._exposed():
                self._require_services().unexpose(name)
        for name, service in after.items():
            if service != before.get(name):
                self._apply(service, replace=True)

    def _apply(self, service: ServiceConfig, *, replace: bool) -> None:
        """Expose ``service`` as configured while it is enabled, else unexpose it.

        With ``replace``, an exposed service is exposed again (its entry changed); otherwise
        only a service whose live state differs from ``enabled`` is touched.
        """
        services = self._require_services()
        exposed = service.name in self._exposed()
        if exposed and (replace or not service.enabled):
            services.unexpose(service.name)
            exposed = False
        if service.enabled and not exposed:
            services.expose(
                service.name,
                service.local_address,
                service.allowed_peers,
                verified_only=service.verified_only,
            )

    def _configured(self, name: str) -> ServiceConfig | None:
        return next((s for s in self._settings.config.services if s.name == name), None)

    def _info(self, name: str) -> ServiceInfo:
        """The service as :meth:`services` lists it."""
        exposed = self._exposed()
        service = self._configured(name)
        if service is not None:
            return self._listed(service, exposed)
        if name in exposed:
            return exposed[name]
        raise NotFoundError(f"service {name!r} is not configured")

    def expose_service(
        self,
        name: str,
        local_address: str,
        allowed_peers: Sequence[str] = (),
        *,
        persist: bool = False,
        verified_only: bool = False,
    ) -> ServiceInfo:
        """Expose a local TCP service; with ``persist`` it goes into config.yaml instead.

        With ``persist``, a service configured already is *replaced*: its address, allowed
        peers and ``verified_only`` become these (a front end's edit), its ``enabled`` stays,
        and it is exposed again as changed (streams open already finish).

        Raises:
            AlreadyExistsError: The name is exposed already (without ``persist``).
            NotFoundError, InvalidNameError, InvalidAddressError, UnknownPeerError: Bad input
                (with ``persist`` nothing is written then).
        """
        allowed = [self._resolve(p) for p in allowed_peers]
        if not persist:
            return self._require_services().expose(
                name, local_address, allowed, verified_only=verified_only
            )
        self._require_services()
        with self._settings.edit() as editor:
            if self._configured(name) is None:
                editor.add_service(
                    name, local_address, allowed_peers=allowed, verified_only=verified_only
                )
            else:
                editor.update_service(
                    name, local_address, allowed_peers=allowed, verified_only=verified_only
                )
        return self._info(name)

    def unexpose_service(self, name: str, *, persist: bool = False) -> None:
        """Stop exposing a service; with ``persist`` it is removed from config.yaml too.

        Raises:
            NotFoundError: Neither exposed nor (with ``persist``) configured.
        """
        services = self._require_services()
        if persist and self._configured(name) is not None:
            with services.batch():
                with self._settings.edit() as editor:
                    editor.remove_service(name)
                if name in self._exposed():  # it was exposed without the config's knowledge
                    services.unexpose(name)
            return
        services.unexpose(name)

    def set_service_enabled(self, name: str, enabled: bool) -> ServiceInfo:
        """Enable (expose) or disable (unexpose, keep configured) a service in config.yaml.

        Raises:
            NotFoundError: No such service in the config.
        """
        with self._require_services().batch():
            with self._settings.edit() as editor:
                editor.set_service_enabled(name, enabled)
            service = self._configured(name)
            assert service is not None  # the edit found it
            self._apply(service, replace=False)  # the entry may have been unchanged
        return self._info(name)

    # ---- relays ---------------------------------------------------------------------------------

    def add_relay(self, address: str) -> RelayInfo:
        """Use one more relay: add it to ``relay.addresses``; the node reserves on it now.

        Raises:
            InvalidAddressError: Not a full multiaddr ending in ``/p2p/<relay peer ID>``.
            AlreadyExistsError: It is configured already.
        """
        with self._settings.edit() as editor:
            editor.add_relay(address)
        added = self._settings.config.relay_addresses[-1]
        return next(
            (r for r in self._relay_infos() if r.address == added),
            RelayInfo(address=added, peer_id=added.rsplit("/p2p/", 1)[1], reserved=False),
        )

    def remove_relay(self, relay: str) -> str:
        """Stop using a relay (by full multiaddr or peer ID): remove it from ``relay.addresses``.

        Returns:
            The address removed.

        Raises:
            NotFoundError: No configured relay matches.
        """
        before = self._settings.config.relay_addresses
        with self._settings.edit() as editor:
            editor.remove_relay(relay)
        after = set(self._settings.config.relay_addresses)
        return next((a for a in before if a not in after), relay.strip())
