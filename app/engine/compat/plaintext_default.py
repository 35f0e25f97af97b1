"""PLAINTEXT-DEFAULT: a host offers plaintext and secio next to Noise unless told otherwise.

Upstream (py-libp2p 0.8.1, ``libp2p.new_host``): without ``sec_opt`` the host offers
``/plaintext/2.0.0`` and secio next to Noise, so a peer can negotiate an unauthenticated,
unencrypted connection.

Workaround (per host): the node always passes :func:`noise_only_security` as ``sec_opt``.
"""

from __future__ import annotations

from libp2p.abc import ISecureTransport
from libp2p.crypto.keys import KeyPair
from libp2p.crypto.x25519 import create_new_key_pair as create_x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_PROTOCOL_ID
from libp2p.security.noise.transport import Transport as NoiseTransport


def noise_only_security(key_pair: KeyPair) -> dict[TProtocol, ISecureTransport]:
    """Security options offering Noise and nothing else (defect PLAINTEXT-DEFAULT)."""
    return {
        NOISE_PROTOCOL_ID: NoiseTransport(
            key_pair, noise_privkey=create_x25519_key_pair().private_key
        )
    }
