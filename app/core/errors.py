"""The error tree of peer-up.

Every error a user can see carries a stable ``code`` (kebab-case, part of the API contract) and a
plain-words message. Front ends may translate by ``code``; the message is the English fallback.
"""

from __future__ import annotations


class PeerupError(Exception):
    """Base of every expected failure; anything else is a bug.

    Attributes:
        code: Stable machine-readable identifier, e.g. ``"invalid-peer-id"``.
        hint: Optional one-line advice on how to fix the problem.
    """

    code: str = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class InvalidPeerIdError(PeerupError):
    """Text or bytes that are not a valid libp2p peer ID."""

    code = "invalid-peer-id"


class InvalidNameError(PeerupError):
    """A service name, peer name or namespace that breaks the naming rules."""

    code = "invalid-name"


class InvalidNetworkError(InvalidNameError):
    """A private network (DHT namespace) name that breaks the naming rules."""

    code = "invalid-network"


class IdentityError(PeerupError):
    """The identity key is missing, malformed or stored insecurely."""

    code = "identity-error"


class AuthorizedKeysError(PeerupError):
    """authorized_keys cannot be read or written."""

    code = "authorized-keys-error"


class UnsafeFileError(PeerupError):
    """A file that grants access (authorized_keys, the relay pairing state) is writable by group
    or others, or owned by another user than root or ours: it is not trusted, whatever it says."""

    code = "unsafe-file"


class ConfigError(PeerupError):
    """The configuration file is invalid.

    Attributes:
        path: The file the error is in.
        key: Dotted key path, e.g. ``services.ssh.local_address`` (None when not key-specific).
        line: 1-based line number in the file (None when unknown).
    """

    code = "config-error"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        key: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        where = ""
        if path:
            where = path + (f":{line}" if line else "")
        if key:
            where = f"{where} ({key})" if where else key
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.path = path
        self.key = key
        self.line = line


class ProtocolError(PeerupError):
    """A protocol message broke the rules."""

    code = "protocol-error"


class LocalProtocolError(ProtocolError):
    """We misused a protocol state machine (a bug on our side)."""

    code = "local-protocol-error"


class RemoteProtocolError(ProtocolError):
    """The peer sent something the protocol does not allow."""

    code = "remote-protocol-error"


class UnknownPeerError(PeerupError):
    """A name that is neither in ``names:`` nor a valid peer ID."""

    code = "unknown-peer"


class PeerUnreachableError(PeerupError):
    """No path to the peer could be opened."""

    code = "peer-unreachable"


class RelayLimitedError(PeerupError):
    """The only path to a peer is a relay whose limits would cut a forward (e.g. 128 KiB / 2 min
    per connection): refused before any data is sent, rather than reset midway."""

    code = "relay-limited"


class NotAuthorizedError(PeerupError):
    """The peer is not in authorized_keys, or not allowed to use the service."""

    code = "not-authorized"


class ServiceNotFoundError(PeerupError):
    """No such service is exposed (locally or on the peer)."""

    code = "service-not-found"


class ServiceUnavailableError(PeerupError):
    """The service exists but its local TCP address refused or timed out."""

    code = "service-unavailable"


class ForwardNotFoundError(PeerupError):
    """No forward with that id."""

    code = "forward-not-found"


class ForwardNotSavedError(PeerupError):
    """The forward is not saved in the config, so it cannot be stopped and started (only closed)."""

    code = "forward-not-saved"


class AddressInUseError(PeerupError):
    """A local port is already taken."""

    code = "address-in-use"


class InvalidAddressError(PeerupError):
    """A host:port or multiaddr that cannot be parsed or used."""

    code = "invalid-address"


class AlreadyExistsError(PeerupError):
    """The thing to add (service, peer, name) exists already."""

    code = "already-exists"


class NotFoundError(PeerupError):
    """The thing to change or remove does not exist."""

    code = "not-found"


class StunError(RemoteProtocolError):
    """A datagram that is not the STUN response we wait for.

    Attributes:
        reason: Stable kebab-case cause, e.g. ``"bad-cookie"``, ``"transaction-mismatch"``,
            ``"error-response"``; tests and logs key on it.
    """

    code = "stun-error"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"bad STUN message: {message}")
        self.reason = reason


class NatPmpError(RemoteProtocolError):
    """A NAT-PMP gateway refused a request, or sent a datagram that is not the expected answer.

    Attributes:
        reason: Stable kebab-case cause, e.g. ``"not-authorized"``, ``"short-response"``,
            ``"wrong-opcode"``; the driver keys on it (a stray datagram is skipped, a refusal
            ends the attempt).
    """

    code = "nat-pmp-error"

    def __init__(self, reason: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class InvalidCodeError(PeerupError):
    """An invite or pairing code (or its link) that cannot be decoded."""

    code = "invalid-code"


class PairingError(PeerupError):
    """An invite, join or relay pairing did not complete.

    Attributes:
        reason: Stable kebab-case cause, e.g. ``"wrong-code"``, ``"expired"``, ``"used"``,
            ``"burned"``, ``"cancelled"``, ``"tampered"``; front ends and tests key on it.
    """

    code = "pairing-failed"

    def __init__(self, reason: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class VerificationError(PeerupError):
    """A peer verification did not complete (mismatch, rejected, timed out, tampered)."""

    code = "verification-failed"

    def __init__(self, reason: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class VerifyUnsupportedError(VerificationError):
    """The peer does not speak ``/peerup/verify/1.0.0`` (e.g. the Go peer-up) or is offline."""

    code = "verify-unsupported"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__("unsupported", message, hint=hint)


class NotVerifiedError(PeerupError):
    """A peer refused us (or we refused a peer) on a service that admits verified peers only."""

    code = "not-verified"
