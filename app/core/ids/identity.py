"""The node's Ed25519 identity and its key file.

The file format is the reference's: the libp2p protobuf ``PrivateKey{Type=Ed25519, Data=seed‖pub}``
as 68 raw bytes (``08 01 12 40 <64 bytes>``), so a key file can be moved between the Go peer-up and
this one. The file is a secret: it is created 0600 with O_EXCL and refused when group or others
can read it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from app.core.errors import AlreadyExistsError, IdentityError
from app.core.files import read_limited, require_private
from app.core.ids.peerid import PeerId

__all__ = ["Identity", "create_identity_file", "load_identity", "load_or_create_identity"]

_KEY_HEADER = b"\x08\x01\x12\x40"
_KEY_FILE_SIZE = len(_KEY_HEADER) + 64
# Anything bigger is certainly not a key; don't read a huge file into memory.
_MAX_READ = 4096


def _public_from_seed(seed: bytes) -> bytes:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Identity:
    """An Ed25519 key pair.

    Attributes:
        seed: The 32-byte private seed (never shown in ``repr``).
        public_key: The 32-byte raw public key.
    """

    seed: bytes = field(repr=False)
    public_key: bytes

    def __post_init__(self) -> None:
        if len(self.seed) != 32 or len(self.public_key) != 32:
            raise IdentityError("an Ed25519 identity needs a 32-byte seed and a 32-byte public key")

    @property
    def peer_id(self) -> PeerId:
        """The libp2p peer ID of this identity."""
        return PeerId.from_ed25519_public_key(self.public_key)

    @classmethod
    def generate(cls, randbytes: Callable[[int], bytes] = os.urandom) -> Identity:
        """Create a new identity.

        Args:
            randbytes: Source of randomness (injected for deterministic tests).

        Raises:
            IdentityError: ``randbytes`` did not return 32 bytes.
        """
        seed = bytes(randbytes(32))
        if len(seed) != 32:
            raise IdentityError("random source returned the wrong number of bytes")
        return cls(seed=seed, public_key=_public_from_seed(seed))

    def to_private_key_bytes(self) -> bytes:
        """Return the 68-byte libp2p protobuf private key (the key file content)."""
        return _KEY_HEADER + self.seed + self.public_key

    @classmethod
    def from_private_key_bytes(cls, data: bytes) -> Identity:
        """Decode the libp2p protobuf private key written by :meth:`to_private_key_bytes`.

        Raises:
            IdentityError: The bytes are not an Ed25519 key in that exact format, or the public
                half does not belong to the seed.
        """
        data = bytes(data)
        if len(data) != _KEY_FILE_SIZE:
            raise IdentityError(
                f"identity key has {len(data)} bytes (expected {_KEY_FILE_SIZE}); "
                "it is not a peer-up Ed25519 key"
            )
        if data[:4] != _KEY_HEADER:
            raise IdentityError("identity key is not a libp2p Ed25519 private key (wrong header)")
        seed, pub = data[4:36], data[36:]
        if _public_from_seed(seed) != pub:
            raise IdentityError(
                "identity key is corrupt: its public half does not match its private half"
            )
        return cls(seed=seed, public_key=pub)


def load_identity(path: Path) -> Identity:
    """Read the identity key file.

    Raises:
        IdentityError: Missing, unreadable, readable by group/others, or malformed.
    """
    path = Path(path)
    if not path.exists():
        raise IdentityError(f"key file {path} does not exist", hint="run: peerup init")
    require_private(path, "key file", IdentityError)
    try:
        data = read_limited(path, _MAX_READ, "key file", IdentityError)
    except FileNotFoundError:
        raise IdentityError(f"key file {path} does not exist", hint="run: peerup init") from None
    try:
        return Identity.from_private_key_bytes(data)
    except IdentityError as exc:
        raise IdentityError(f"key file {path}: {exc.message}") from None


def create_identity_file(path: Path, randbytes: Callable[[int], bytes] = os.urandom) -> Identity:
    """Generate a new identity and write it to ``path`` (mode 0600, never overwriting).

    Raises:
        AlreadyExistsError: ``path`` exists.
        IdentityError: The file cannot be written.
    """
    path = Path(path)
    identity = Identity.generate(randbytes)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise AlreadyExistsError(
            f"key file {path} already exists", hint="refusing to overwrite an identity"
        ) from None
    except OSError as exc:
        raise IdentityError(f"cannot create key file {path}: {exc.strerror or exc}") from None
    try:
        if sys.platform != "win32":
            # The umask may have narrowed or (if odd) not applied; make it exactly 0600.
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(identity.to_private_key_bytes())
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise IdentityError(f"cannot write key file {path}: {exc.strerror or exc}") from None
    return identity


def load_or_create_identity(path: Path) -> tuple[Identity, bool]:
    """Load the identity at ``path``, creating one if the file does not exist.

    Returns:
        ``(identity, created)``.

    Raises:
        IdentityError: The existing file is insecure or malformed, or cannot be created.
    """
    path = Path(path)
    if not path.exists():
        try:
            return create_identity_file(path), True
        except AlreadyExistsError:
            pass  # lost a race with another process; load what it wrote
    return load_identity(path), False
