"""``/peerup/verify/1.0.0``: a commitment-based short authentication string (sans-IO).

Two peers that were not paired by PAKE (added by hand, by a relay pairing group, or paired with
the Go peer-up) run this over an authenticated libp2p stream; both humans then compare 4 emoji
and 6 digits. The protocol commits before it reveals, so a man in the middle gets **one guess per
run** at making both screens equal (2^-32), never an offline search over keys.

Suite ``x25519-mlkem768-sha256`` (hybrid post-quantum, like the invite): an ephemeral X25519
exchange and an ML-KEM-768 encapsulation, both secrets mixed into one HKDF. Every message the
attacker could choose freely is fixed before the other side's last contribution is known:

====  ==========  =================================================================
 #    direction   message
====  ==========  =================================================================
 1    I → R       ``HELLO``: version, offered suites (strongest first)
 2    R → I       ``ACCEPT``: chosen suite, R's ephemeral ML-KEM-768 encapsulation key
 3    I → R       ``COMMIT``: SHA-256 over (I's X25519 public key, ML-KEM ciphertext)
 4    R → I       ``KEY``: R's ephemeral X25519 public key
 5    I → R       ``REVEAL``: I's X25519 public key and the ML-KEM ciphertext
 6    both        ``RESULT``: what the human answered (match / mismatch)
====  ==========  =================================================================

R checks the reveal against the commitment (a changed key is caught: ``tampered``). I chose its
key and ciphertext before seeing R's key; R chose its key after the commitment but without
knowing I's. The SAS is :func:`app.core.pairing.sas.derive_sas` over the hybrid secret with purpose
``verify/1``, both peer IDs and the SHA-256 of messages 1-5 (so the suite choice is bound too:
a downgrade shows as a mismatch). An ``ABORT`` message (either side, any time) carries a reason.

Frames are ``u16 length`` + ``type byte`` + payload; every field has a fixed or bounded size.
The machine is pure: :meth:`VerifySession.receive_data` takes bytes and returns events, time
is passed in, the driver (``app.engine.verify``) does the I/O.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import mlkem
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.errors import VerificationError
from app.core.pairing.sas import Sas, derive_sas

__all__ = [
    "MAX_FRAME",
    "PROTOCOL_ID",
    "SESSION_TTL",
    "SUITE_HYBRID",
    "SUPPORTED_SUITES",
    "Aborted",
    "Completed",
    "PeerAnswered",
    "Role",
    "SasReady",
    "SendData",
    "VerifyEvent",
    "VerifySession",
    "parse_frame",
]

PROTOCOL_ID = "/peerup/verify/1.0.0"
VERSION = 1
SUITE_HYBRID = "x25519-mlkem768-sha256"
SUPPORTED_SUITES: tuple[str, ...] = (SUITE_HYBRID,)
SESSION_TTL = 600.0  # seconds; both humans must have answered within 10 minutes
SAS_PURPOSE = b"verify/1"

_X25519_LEN = 32
_MLKEM_EK_LEN = 1184
_MLKEM_CT_LEN = 1088
_HASH_LEN = 32
_MAX_SUITES = 8
_MAX_SUITE_NAME = 40
_MAX_REASON = 200
MAX_FRAME = 2048
"""Largest frame body (the ACCEPT message is 1 + 1 + 22 + 1184 bytes)."""

_COMMIT_DOMAIN = b"peerup-verify/1 commit\x00"
_SECRET_INFO = b"peerup-verify/1 secret\x00"


class MsgType(enum.IntEnum):
    """Frame types."""

    HELLO = 1
    ACCEPT = 2
    COMMIT = 3
    KEY = 4
    REVEAL = 5
    RESULT = 6
    ABORT = 7


class Role(enum.StrEnum):
    """Which end of the run this is."""

    INITIATOR = "initiator"
    RESPONDER = "responder"


class _State(enum.Enum):
    START = enum.auto()
    WAIT_HELLO = enum.auto()  # responder
    WAIT_ACCEPT = enum.auto()  # initiator
    WAIT_COMMIT = enum.auto()  # responder
    WAIT_KEY = enum.auto()  # initiator
    WAIT_REVEAL = enum.auto()  # responder
    SAS = enum.auto()  # both: the SAS is shown, answers are exchanged
    DONE = enum.auto()
    FAILED = enum.auto()


# ---- events -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendData:
    """Bytes the driver must write to the stream."""

    data: bytes


@dataclass(frozen=True, slots=True)
class SasReady:
    """Keys are exchanged: show this SAS to the human and ask."""

    sas: Sas
    suite: str


@dataclass(frozen=True, slots=True)
class PeerAnswered:
    """The other side's human answered (``match`` true: they saw the same)."""

    match: bool


@dataclass(frozen=True, slots=True)
class Completed:
    """Both sides answered. ``verified`` only when both said match."""

    local_match: bool
    peer_match: bool

    @property
    def verified(self) -> bool:
        """Both humans saw the same string."""
        return self.local_match and self.peer_match


@dataclass(frozen=True, slots=True)
class Aborted:
    """The run ended without a result.

    Attributes:
        reason: Stable kebab-case cause: ``tampered`` (commitment or message check failed),
            ``protocol`` (malformed message), ``unsupported`` (no common suite/version),
            ``expired``, ``cancelled``, ``peer-aborted``.
        message: Plain words.
        remote: The other side reported it (``ABORT`` received).
    """

    reason: str
    message: str
    remote: bool = False

    def error(self) -> VerificationError:
        """The error to raise for this abort."""
        return VerificationError(self.reason, self.message)


VerifyEvent = SendData | SasReady | PeerAnswered | Completed | Aborted


# ---- framing ----------------------------------------------------------------------------------


def _frame(kind: MsgType, payload: bytes) -> bytes:
    body = bytes([kind]) + payload
    return len(body).to_bytes(2, "big") + body


def _fail(reason: str, message: str) -> VerificationError:
    return VerificationError(reason, message)


@dataclass(frozen=True, slots=True)
class Frame:
    """One parsed frame: its type and payload (already size-checked for the type)."""

    kind: MsgType
    payload: bytes
    raw: bytes  # the whole frame, length prefix included (transcript input)


def _short(payload: bytes, pos: int, what: str) -> tuple[bytes, int]:
    if pos >= len(payload):
        raise _fail("protocol", f"verify message truncated before {what}")
    n = payload[pos]
    end = pos + 1 + n
    if end > len(payload):
        raise _fail("protocol", f"verify message truncated in {what}")
    return payload[pos + 1 : end], end


def _suite_name(raw: bytes) -> str:
    if not raw or len(raw) > _MAX_SUITE_NAME:
        raise _fail("protocol", "verify suite name has a bad length")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise _fail("protocol", "verify suite name is not ASCII") from None
    if not all(c.isalnum() or c == "-" for c in text):
        raise _fail("protocol", "verify suite name has bad characters")
    return text


def parse_hello(payload: bytes) -> tuple[int, tuple[str, ...]]:
    """HELLO payload: ``version u8, count u8, count x (len u8, ascii)``."""
    if len(payload) < 2:
        raise _fail("protocol", "verify HELLO is too short")
    version, count = payload[0], payload[1]
    if not 1 <= count <= _MAX_SUITES:
        raise _fail("protocol", f"verify HELLO offers {count} suites (1-{_MAX_SUITES} allowed)")
    pos = 2
    suites = []
    for _ in range(count):
        raw, pos = _short(payload, pos, "a suite name")
        suites.append(_suite_name(raw))
    if pos != len(payload):
        raise _fail("protocol", "verify HELLO has trailing bytes")
    if len(set(suites)) != len(suites):
        raise _fail("protocol", "verify HELLO offers a suite twice")
    return version, tuple(suites)


def _exact(payload: bytes, size: int, what: str) -> bytes:
    if len(payload) != size:
        raise _fail("protocol", f"verify {what} has {len(payload)} bytes (expected {size})")
    return payload


def parse_accept(payload: bytes) -> tuple[str, bytes]:
    """ACCEPT payload: ``len u8, suite ascii, encapsulation key``."""
    raw, pos = _short(payload, 0, "the suite name")
    suite = _suite_name(raw)
    if suite != SUITE_HYBRID:
        raise _fail("unsupported", f"the peer chose verify suite {suite!r}, which was not offered")
    return suite, _exact(payload[pos:], _MLKEM_EK_LEN, "ML-KEM encapsulation key")


def parse_result(payload: bytes) -> bool:
    """RESULT payload: one byte, 1 = match, 0 = mismatch."""
    if payload not in (b"\x00", b"\x01"):
        raise _fail("protocol", "verify RESULT must be one byte 0 or 1")
    return payload == b"\x01"


def parse_abort(payload: bytes) -> tuple[str, str]:
    """ABORT payload: ``len u8, reason ascii, message utf-8 (rest, bounded)``."""
    raw, pos = _short(payload, 0, "the abort reason")
    try:
        reason = raw.decode("ascii")
        message = payload[pos:].decode("utf-8")
    except UnicodeDecodeError:
        raise _fail("protocol", "verify ABORT is not text") from None
    if len(message) > _MAX_REASON or not reason.replace("-", "").isalnum():
        raise _fail("protocol", "verify ABORT is malformed")
    return reason, "".join(c for c in message if c.isprintable())


def parse_frame(buffer: bytes) -> tuple[Frame | None, bytes]:
    """Split one frame off ``buffer``.

    Returns:
        ``(frame, rest)``; ``(None, buffer)`` while the frame is incomplete.

    Raises:
        VerificationError: ``protocol`` for an empty, oversized or unknown frame.
    """
    if len(buffer) < 2:
        return None, buffer
    size = int.from_bytes(buffer[:2], "big")
    if size == 0 or size > MAX_FRAME:
        raise _fail("protocol", f"verify frame of {size} bytes (1-{MAX_FRAME} allowed)")
    if len(buffer) < 2 + size:
        return None, buffer
    raw = buffer[: 2 + size]
    try:
        kind = MsgType(raw[2])
    except ValueError:
        raise _fail("protocol", f"unknown verify message type {raw[2]}") from None
    return Frame(kind=kind, payload=raw[3:], raw=raw), buffer[2 + size :]


def _commitment(x_pub: bytes, ciphertext: bytes) -> bytes:
    return hashlib.sha256(_COMMIT_DOMAIN + x_pub + ciphertext).digest()


def _x25519_secret(private: X25519PrivateKey, peer_pub: bytes) -> bytes:
    try:
        return private.exchange(X25519PublicKey.from_public_bytes(peer_pub))
    except ValueError:
        # A low-order point gives an all-zero secret: only an attacker sends one.
        raise _fail("tampered", "the peer sent an invalid X25519 key") from None


# ---- the machine ------------------------------------------------------------------------------


class VerifySession:
    """One run of ``/peerup/verify/1.0.0``, one side.

    Args:
        role: Initiator (opened the stream) or responder.
        own_id: Raw peer-ID bytes of this node.
        peer_id: Raw peer-ID bytes of the other node (as authenticated by the connection).
        now: Current time (seconds, any monotonic clock); the run expires ``ttl`` later.
        ttl: Session lifetime (default 10 minutes).
    """

    def __init__(
        self,
        role: Role,
        *,
        own_id: bytes,
        peer_id: bytes,
        now: float,
        ttl: float = SESSION_TTL,
    ) -> None:
        self.role = role
        self.own_id = own_id
        self.peer_id = peer_id
        self.expires_at = now + ttl
        self.suite: str | None = None
        self.sas: Sas | None = None
        self.local_match: bool | None = None
        self.peer_match: bool | None = None
        self._state = _State.START if role is Role.INITIATOR else _State.WAIT_HELLO
        self._buffer = b""
        self._transcript = hashlib.sha256(b"peerup-verify/1 transcript\x00")
        self._x_private = X25519PrivateKey.generate()
        self._x_public = self._x_private.public_key().public_bytes_raw()
        self._kem_private: mlkem.MLKEM768PrivateKey | None = None
        self._kem_secret: bytes | None = None
        self._ciphertext: bytes | None = None
        self._commitment: bytes | None = None

    # ---- public surface ------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        """True once completed or aborted: nothing more will happen."""
        return self._state in (_State.DONE, _State.FAILED)

    @property
    def sas_shown(self) -> bool:
        """The SAS is known (the human may be asked)."""
        return self.sas is not None

    def start(self) -> list[VerifyEvent]:
        """Initiator: the first message (HELLO)."""
        if self.role is not Role.INITIATOR or self._state is not _State.START:
            raise _fail("protocol", "start() is for a new initiator only")
        offered = b"".join(bytes([len(s)]) + s.encode("ascii") for s in SUPPORTED_SUITES)
        frame = _frame(MsgType.HELLO, bytes([VERSION, len(SUPPORTED_SUITES)]) + offered)
        self._transcript.update(frame)
        self._state = _State.WAIT_ACCEPT
        return [SendData(frame)]

    def receive_data(self, data: bytes, *, now: float) -> list[VerifyEvent]:
        """Feed bytes read from the stream; returns what happened.

        Never raises for peer input: a bad message becomes :class:`Aborted` (and an ``ABORT``
        frame to send when it makes sense).
        """
        if self.finished:
            return []
        expired = self.check_time(now)
        if expired:
            return expired
        self._buffer += data
        events: list[VerifyEvent] = []
        try:
            while not self.finished:
                frame, self._buffer = parse_frame(self._buffer)
                if frame is None:
                    break
                events += self._handle(frame)
        except VerificationError as exc:
            events += self._abort(exc.reason, exc.message, notify=True)
        return events

    def confirm(self, match: bool, *, now: float) -> list[VerifyEvent]:
        """The local human answered; returns the RESULT frame (and completion if the peer did).

        Raises:
            VerificationError: Called before the SAS was shown, twice, or after the end.
        """
        if self.finished:
            raise _fail("finished", "this verification is already over")
        expired = self.check_time(now)
        if expired:
            return expired
        if self._state is not _State.SAS or self.local_match is not None:
            raise _fail("protocol", "there is nothing to answer yet")
        self.local_match = match
        events: list[VerifyEvent] = [
            SendData(_frame(MsgType.RESULT, b"\x01" if match else b"\x00"))
        ]
        events += self._maybe_complete()
        return events

    def cancel(
        self, reason: str = "cancelled", message: str = "verification cancelled"
    ) -> list[VerifyEvent]:
        """Abort locally; returns the ABORT frame to send (nothing if already over)."""
        if self.finished:
            return []
        return self._abort(reason, message, notify=True)

    def check_time(self, now: float) -> list[VerifyEvent]:
        """Abort (``expired``) once the TTL has passed."""
        if not self.finished and now >= self.expires_at:
            return self._abort("expired", "the verification timed out (10 minutes)", notify=True)
        return []

    # ---- transitions ---------------------------------------------------------------------------

    def _abort(self, reason: str, message: str, *, notify: bool) -> list[VerifyEvent]:
        self._state = _State.FAILED
        events: list[VerifyEvent] = []
        if notify:
            payload = bytes([len(reason)]) + reason.encode("ascii") + message.encode()[:_MAX_REASON]
            events.append(SendData(_frame(MsgType.ABORT, payload)))
        events.append(Aborted(reason=reason, message=message, remote=not notify))
        return events

    def _handle(self, frame: Frame) -> list[VerifyEvent]:
        if frame.kind is MsgType.ABORT:
            reason, message = parse_abort(frame.payload)
            return self._abort(
                "peer-aborted" if reason != "expired" else "expired",
                f"the peer ended the verification ({reason}: {message})",
                notify=False,
            )
        handlers = {
            _State.WAIT_HELLO: (MsgType.HELLO, self._on_hello),
            _State.WAIT_ACCEPT: (MsgType.ACCEPT, self._on_accept),
            _State.WAIT_COMMIT: (MsgType.COMMIT, self._on_commit),
            _State.WAIT_KEY: (MsgType.KEY, self._on_key),
            _State.WAIT_REVEAL: (MsgType.REVEAL, self._on_reveal),
            _State.SAS: (MsgType.RESULT, self._on_result),
        }
        expected = handlers.get(self._state)
        if expected is None or frame.kind is not expected[0]:
            raise _fail("protocol", f"unexpected verify message {frame.kind.name}")
        return expected[1](frame)

    def _on_hello(self, frame: Frame) -> list[VerifyEvent]:
        version, suites = parse_hello(frame.payload)
        if version != VERSION:
            raise _fail("unsupported", f"the peer speaks verify version {version}, not {VERSION}")
        # Our preference order, not the peer's: the strongest suite both know.
        common = [s for s in SUPPORTED_SUITES if s in suites]
        if not common:
            raise _fail("unsupported", f"no common verify suite (the peer offered {suites})")
        self.suite = common[0]
        self._transcript.update(frame.raw)
        self._kem_private = mlkem.MLKEM768PrivateKey.generate()
        ek = self._kem_private.public_key().public_bytes_raw()
        name = self.suite.encode("ascii")
        out = _frame(MsgType.ACCEPT, bytes([len(name)]) + name + ek)
        self._transcript.update(out)
        self._state = _State.WAIT_COMMIT
        return [SendData(out)]

    def _on_accept(self, frame: Frame) -> list[VerifyEvent]:
        suite, ek = parse_accept(frame.payload)
        if suite not in SUPPORTED_SUITES:
            raise _fail("unsupported", f"verify suite {suite!r} was not offered")
        self.suite = suite
        self._transcript.update(frame.raw)
        try:
            kem_secret, ciphertext = mlkem.MLKEM768PublicKey.from_public_bytes(ek).encapsulate()
        except ValueError:
            raise _fail("tampered", "the peer sent an invalid ML-KEM key") from None
        self._kem_secret, self._ciphertext = kem_secret, ciphertext
        self._commitment = _commitment(self._x_public, ciphertext)
        out = _frame(MsgType.COMMIT, self._commitment)
        self._transcript.update(out)
        self._state = _State.WAIT_KEY
        return [SendData(out)]

    def _on_commit(self, frame: Frame) -> list[VerifyEvent]:
        self._commitment = _exact(frame.payload, _HASH_LEN, "commitment")
        self._transcript.update(frame.raw)
        out = _frame(MsgType.KEY, self._x_public)
        self._transcript.update(out)
        self._state = _State.WAIT_REVEAL
        return [SendData(out)]

    def _on_key(self, frame: Frame) -> list[VerifyEvent]:
        peer_x = _exact(frame.payload, _X25519_LEN, "X25519 key")
        self._transcript.update(frame.raw)
        assert self._ciphertext is not None
        assert self._kem_secret is not None
        dh = _x25519_secret(self._x_private, peer_x)
        out = _frame(MsgType.REVEAL, self._x_public + self._ciphertext)
        self._transcript.update(out)
        return [SendData(out), *self._show(dh + self._kem_secret)]

    def _on_reveal(self, frame: Frame) -> list[VerifyEvent]:
        payload = _exact(frame.payload, _X25519_LEN + _MLKEM_CT_LEN, "reveal")
        peer_x, ciphertext = payload[:_X25519_LEN], payload[_X25519_LEN:]
        assert self._commitment is not None
        assert self._kem_private is not None
        if not hmac.compare_digest(_commitment(peer_x, ciphertext), self._commitment):
            raise _fail(
                "tampered",
                "the peer's key does not match its commitment: someone changed the messages",
            )
        self._transcript.update(frame.raw)
        dh = _x25519_secret(self._x_private, peer_x)
        kem_secret = self._kem_private.decapsulate(ciphertext)
        return self._show(dh + kem_secret)

    def _show(self, ikm: bytes) -> list[VerifyEvent]:
        assert self.suite is not None
        digest = self._transcript.digest()
        secret = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=digest,
            info=_SECRET_INFO + self.suite.encode("ascii"),
        ).derive(ikm)
        self.sas = derive_sas(
            secret, purpose=SAS_PURPOSE, id_a=self.own_id, id_b=self.peer_id, transcript=digest
        )
        self._state = _State.SAS
        return [SasReady(sas=self.sas, suite=self.suite)]

    def _on_result(self, frame: Frame) -> list[VerifyEvent]:
        if self.peer_match is not None:
            raise _fail("protocol", "the peer answered twice")
        self.peer_match = parse_result(frame.payload)
        return [PeerAnswered(self.peer_match), *self._maybe_complete()]

    def _maybe_complete(self) -> list[VerifyEvent]:
        if self.local_match is None or self.peer_match is None:
            return []
        self._state = _State.DONE
        return [Completed(local_match=self.local_match, peer_match=self.peer_match)]
