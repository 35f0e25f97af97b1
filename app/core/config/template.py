"""The commented config template, and ``peerup init``'s config directory."""

from __future__ import annotations

from pathlib import Path

from app.core.errors import AlreadyExistsError, ConfigError, InvalidAddressError
from app.core.ids.identity import create_identity_file
from app.core.ids.names import validate_namespace
from app.core.peers.authkeys import write_header
from app.util.fsio import atomic_write_text
from app.util.paths import ensure_private_dir

_TEMPLATE = """\
# peer-up node configuration. Comments are kept when peer-up edits this file.
version: 1

identity:
  # Private key of this node (keep it secret; relative paths are in this directory).
  key_file: identity.key
  # The name this device announces to the devices it pairs with; null: the host name.
  name: null

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
  # Every peer is a relay: while a relay confirms this device publicly dialable (grade A),
  # it relays for its authorized peers, with small limits of its own per circuit (a top-level
  # section; a relay set up with `peerup relay setup` uses relay_service's limits), e.g.
  #   relay_service:
  #     auto: {{max_circuits: 16, session_duration: 10m, session_data_limit: 128KB}}

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

# Local ports opened when the daemon starts (the tray's saved forwards), e.g.
#   - peer: home
#     service: ssh
#     listen: 127.0.0.1:2222
#     enabled: false   # kept, not opened
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
