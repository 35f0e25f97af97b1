"""``/peerup/invite/2.0.0``: the invite handshake as sans-IO state machines.

The joiner (J, who typed the code) dials the inviter (I). Five framed messages on one stream::

    M1 J→I  HELLO    invite ID, offered suites, SPAKE2 message (side A), [ML-KEM-768 public key]
    M2 I→J  REPLY    chosen suite, SPAKE2 message (side B), [ML-KEM ciphertext], MAC_I
    M3 J→I  CONFIRM  MAC_J, AEAD(joiner's payload: name)
    M4 I→J  WELCOME  AEAD(inviter's payload: name, offered services)
    M5 J→I  FINISH   MAC over the whole transcript

Key schedule: ``T2 = SHA-256(context ‖ M1 ‖ M2 without its MAC)`` where the context holds the
protocol name, the invite ID and both peer IDs (as Noise authenticated them on each side). Six
keys come from ``HKDF-SHA256(salt=T2, ikm=SPAKE2 key ‖ ML-KEM shared secret, info=suite)``: two
confirmation keys, one AEAD key per direction, a finish key and the SAS key. Because the offered
and chosen suites sit in T2, the confirmation MACs make a downgrade (stripping the hybrid suite)
fail like any other tampering. Each AEAD key encrypts exactly one message, so nonce 0 is safe.
The SAS comes from the SAS key, both IDs and ``T4`` (the transcript through M4).

A wrong password makes MAC_I wrong (the joiner stops) or MAC_J wrong (the inviter stops): one
guess per run. The joiner reports every such failure as "wrong code or expired".

M2 is where a guess is tested: with MAC_I in hand the joiner learns offline whether its password
was right, whether or not it ever sends M3. So :class:`Invitation` counts a guess when an attempt
*begins* (the inviter is about to send M2), not when it ends: an attempt may begin only while the
failed attempts plus those in flight are fewer than :data:`MAX_FAILURES`; each attempt then ends
either failed (it stays counted, even after the invite was used or closed) or successful (the
invite is used; nothing more begins). However many handshakes a peer runs in parallel, at most 3
passwords are ever tested against one invite.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey, MLKEM768PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from spake2 import SPAKE2_A, SPAKE2_B

from app.core.errors import PairingError
from app.core.ids.names import MAX_PEER_NAME
from app.core.ids.peerid import PeerId
from app.core.pairing.sas import Sas, derive_sas

__all__ = [
    "DEFAULT_SUITES",
    "HANDSHAKE_TIMEOUT",
    "MAX_FRAME",
    "PROTOCOL_ID",
    "SUITE_CLASSIC",
    "SUITE_HYBRID",
    "FrameBuffer",
    "Invitation",
    "InvitationState",
    "InviteOutcome",
    "InviteProgress",
    "InviterHandshake",
    "JoinResult",
    "JoinerHandshake",
    "SasView",
    "frame",
]

PROTOCOL_ID = "/peerup/invite/2.0.0"
SUITE_HYBRID = "spake2-ed25519+mlkem768/hkdf-sha256/chacha20poly1305"
SUITE_CLASSIC = "spake2-ed25519/hkdf-sha256/chacha20poly1305"
DEFAULT_SUITES: tuple[str, ...] = (SUITE_HYBRID, SUITE_CLASSIC)
_KNOWN_SUITES = frozenset(DEFAULT_SUITES)

MAX_FRAME = 4096
HANDSHAKE_TIMEOUT = 30.0
MAX_SUITES = 8
MAX_SUITE_NAME = 64
MAX_SERVICES = 32
MAX_PAYLOAD = 2048
_MAC_LEN = 32
_KEM_EK_LEN = 1184
_KEM_CT_LEN = 1088
_PAKE_MSG_LEN = 33
_NONCE = bytes(12)

HELLO, REPLY, CONFIRM, WELCOME, FINISH = 1, 2, 3, 4, 5

WRONG_CODE = "wrong code or expired"

Entropy = Callable[[int], bytes]


def frame(body: bytes) -> bytes:
    """One message on the wire: a 2-byte big-endian length, then the body."""
    if not 0 < len(body) <= MAX_FRAME:
        raise ValueError(f"frame body of {len(body)} bytes")
    return len(body).to_bytes(2, "big") + body


class FrameBuffer:
    """Splits received bytes into frame bodies; refuses oversized or empty frames."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the complete frame bodies now available.

        Raises:
            PairingError: (reason ``"protocol"``) a frame announces 0 or > MAX_FRAME bytes.
        """
        self._buffer += data
        bodies: list[bytes] = []
        while len(self._buffer) >= 2:
            size = int.from_bytes(self._buffer[:2], "big")
            if not 0 < size <= MAX_FRAME:
                raise PairingError("protocol", f"invite message of {size} bytes refused")
            if len(self._buffer) < 2 + size:
                break
            bodies.append(bytes(self._buffer[2 : 2 + size]))
            del self._buffer[: 2 + size]
        return bodies

    @property
    def pending(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        return len(self._buffer)


@dataclass(frozen=True, slots=True)
class InviteOutcome:
    """What a completed handshake established.

    Attributes:
        peer: The other side's peer ID.
        name: The name it asked to be known by (sanitized by the caller before use).
        services: The inviter's offered services (empty on the inviter's side).
        sas: The short authentication string both sides show.
        suite: The cipher suite used.
    """

    peer: PeerId
    name: str
    services: tuple[str, ...]
    sas: Sas
    suite: str


class _JoinerPayload(msgspec.Struct, forbid_unknown_fields=False):
    name: str = ""


class _InviterPayload(msgspec.Struct, forbid_unknown_fields=False):
    name: str = ""
    services: list[str] = msgspec.field(default_factory=list)


# ---- byte helpers --------------------------------------------------------------------------------


def _lp8(data: bytes) -> bytes:
    return bytes([len(data)]) + data


def _lp16(data: bytes) -> bytes:
    return len(data).to_bytes(2, "big") + data


class _Cursor:
    """Reads fields of a received message; any shortfall or excess is a protocol error."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        if len(chunk) != n:
            raise _Malformed
        self.pos += n
        return chunk

    def lp8(self, limit: int) -> bytes:
        (n,) = self.take(1)
        if n > limit:
            raise _Malformed
        return self.take(n)

    def lp16(self, limit: int) -> bytes:
        n = int.from_bytes(self.take(2), "big")
        if n > limit:
            raise _Malformed
        return self.take(n)

    def rest(self) -> bytes:
        chunk = self.data[self.pos :]
        self.pos = len(self.data)
        return chunk

    def end(self) -> None:
        if self.pos != len(self.data):
            raise _Malformed


class _Malformed(Exception):
    """A received message does not parse (turned into a PairingError by the caller)."""


def _context(invite_id: bytes, joiner: PeerId, inviter: PeerId) -> bytes:
    return (
        b"peerup-invite/2\x00"
        + _lp16(PROTOCOL_ID.encode())
        + _lp16(invite_id)
        + _lp16(joiner.raw)
        + _lp16(inviter.raw)
    )


def _pake_password(password: bytes) -> bytes:
    return b"peerup-invite/2 password\x00" + password


@dataclass(frozen=True, slots=True)
class _Keys:
    confirm_inviter: bytes
    confirm_joiner: bytes
    seal_joiner: bytes
    seal_inviter: bytes
    finish: bytes
    sas: bytes


def _key_schedule(suite: str, pake_key: bytes, kem_secret: bytes, t2: bytes) -> _Keys:
    ikm = _lp16(pake_key) + _lp16(kem_secret)
    out = HKDF(
        algorithm=hashes.SHA256(),
        length=32 * 6,
        salt=t2,
        info=b"peerup-invite/2 keys\x00" + _lp16(suite.encode()),
    ).derive(ikm)
    parts = [out[i : i + 32] for i in range(0, len(out), 32)]
    return _Keys(*parts)


def _mac(key: bytes, label: bytes, transcript: bytes) -> bytes:
    return hmac.new(key, label + b"\x00" + transcript, hashlib.sha256).digest()


def _pake_finish(pake: SPAKE2_A | SPAKE2_B, message: bytes) -> bytes:
    """The SPAKE2 key; a malformed message (off the curve, wrong side, …) is a protocol error."""
    try:
        return bytes(pake.finish(message))
    except Exception:  # spake2 raises several unrelated types for bad points
        raise _Malformed from None


def _encode_suites(suites: Sequence[str]) -> bytes:
    if not 0 < len(suites) <= MAX_SUITES:
        raise ValueError("offer 1 to 8 suites")
    out = bytearray([len(suites)])
    for suite in suites:
        raw = suite.encode("ascii")
        if not 0 < len(raw) <= MAX_SUITE_NAME:
            raise ValueError(f"suite name {suite!r}")
        out += _lp8(raw)
    return bytes(out)


def _check_name(name: str) -> str:
    if len(name) > MAX_PEER_NAME or any(ord(c) < 0x20 for c in name):
        raise _Malformed
    return name


# ---- the joiner ----------------------------------------------------------------------------------


class JoinerHandshake:
    """The joiner's side: :meth:`start`, then :meth:`receive` for M2 and M4.

    Args:
        password: The code's password.
        invite_id: The code's invite ID.
        own: The joiner's peer ID.
        inviter: The inviter's peer ID from the code (the one Noise authenticated).
        name: The name the joiner asks to be known by.
        now: Current time (seconds, any monotonic clock); the handshake has a deadline.
        suites: Offered suites, most preferred first.
        entropy: Randomness source (tests may pass a seeded one).
    """

    def __init__(
        self,
        *,
        password: bytes,
        invite_id: bytes,
        own: PeerId,
        inviter: PeerId,
        name: str,
        now: float,
        suites: Sequence[str] = DEFAULT_SUITES,
        entropy: Entropy = os.urandom,
    ) -> None:
        self._own = own
        self._inviter = inviter
        self._invite_id = invite_id
        self._name = name
        self._suites = tuple(suites)
        self._deadline = now + HANDSHAKE_TIMEOUT
        self._pake = SPAKE2_A(
            _pake_password(password), idA=own.raw, idB=inviter.raw, entropy_f=entropy
        )
        self._kem = MLKEM768PrivateKey.generate() if SUITE_HYBRID in self._suites else None
        self._m1 = b""
        self._t3 = b""
        self._keys: _Keys | None = None
        self._suite = ""
        self._confirmed = False
        self.outcome: InviteOutcome | None = None

    def start(self) -> bytes:
        """M1, framed."""
        if self._m1:
            raise RuntimeError("already started")
        ek = self._kem.public_key().public_bytes_raw() if self._kem is not None else b""
        self._m1 = (
            bytes([HELLO])
            + _lp8(self._invite_id)
            + _encode_suites(self._suites)
            + _lp16(self._pake.start())
            + _lp16(ek)
        )
        return frame(self._m1)

    def receive(self, body: bytes, now: float) -> bytes:
        """Handle M2 (returns framed M3) or M4 (returns framed M5; :attr:`outcome` is set).

        Raises:
            PairingError: ``"wrong-code"`` (MAC_I wrong or M2 malformed: wrong code, expired,
                or someone in the middle), ``"tampered"`` (a later message altered), ``"timeout"``.
        """
        if now > self._deadline:
            raise PairingError("timeout", "the inviter took too long to answer")
        if not self._m1 or self.outcome is not None:
            raise PairingError("protocol", "unexpected invite message")
        if self._keys is None:
            return self._on_reply(body)
        return self._on_welcome(body)

    def _on_reply(self, body: bytes) -> bytes:
        try:
            cursor = _Cursor(body)
            if cursor.take(1) != bytes([REPLY]):
                raise _Malformed
            suite = cursor.lp8(MAX_SUITE_NAME).decode("ascii")
            pake_msg = cursor.lp16(_PAKE_MSG_LEN)
            kem_ct = cursor.lp16(_KEM_CT_LEN)
            core_end = cursor.pos
            mac_inviter = cursor.take(_MAC_LEN)
            cursor.end()
            if suite not in self._suites:
                raise _Malformed
            if suite == SUITE_HYBRID:
                if self._kem is None or len(kem_ct) != _KEM_CT_LEN:
                    raise _Malformed
                kem_secret = self._kem.decapsulate(kem_ct)
            elif kem_ct:
                raise _Malformed
            else:
                kem_secret = b""
            pake_key = _pake_finish(self._pake, pake_msg)
        except (_Malformed, ValueError, UnicodeDecodeError):
            raise PairingError("wrong-code", WRONG_CODE) from None
        t2 = hashlib.sha256(
            _context(self._invite_id, self._own, self._inviter)
            + _lp16(self._m1)
            + _lp16(body[:core_end])
        ).digest()
        keys = _key_schedule(suite, pake_key, kem_secret, t2)
        if not hmac.compare_digest(_mac(keys.confirm_inviter, b"inviter", t2), mac_inviter):
            raise PairingError("wrong-code", WRONG_CODE)
        self._keys = keys
        self._suite = suite
        payload = msgspec.json.encode(_JoinerPayload(name=self._name))
        sealed = ChaCha20Poly1305(keys.seal_joiner).encrypt(_NONCE, payload, t2)
        m3 = bytes([CONFIRM]) + _mac(keys.confirm_joiner, b"joiner", t2) + sealed
        self._t3 = hashlib.sha256(t2 + _lp16(m3)).digest()
        return frame(m3)

    def _on_welcome(self, body: bytes) -> bytes:
        keys = self._keys
        assert keys is not None
        try:
            cursor = _Cursor(body)
            if cursor.take(1) != bytes([WELCOME]):
                raise _Malformed
            sealed = cursor.rest()
            if len(sealed) > MAX_PAYLOAD:
                raise _Malformed
            plain = ChaCha20Poly1305(keys.seal_inviter).decrypt(_NONCE, sealed, self._t3)
            payload = msgspec.json.decode(plain, type=_InviterPayload)
            name = _check_name(payload.name)
            if len(payload.services) > MAX_SERVICES or any(
                not 0 < len(s) <= 63 for s in payload.services
            ):
                raise _Malformed
        except (_Malformed, InvalidTag, msgspec.DecodeError, msgspec.ValidationError):
            raise PairingError(
                "tampered", "the inviter's answer was altered on the way (handshake aborted)"
            ) from None
        t4 = hashlib.sha256(self._t3 + _lp16(body)).digest()
        m5 = bytes([FINISH]) + _mac(keys.finish, b"finish", t4)
        sas = derive_sas(
            keys.sas, purpose=b"invite/2", id_a=self._own.raw, id_b=self._inviter.raw, transcript=t4
        )
        self.outcome = InviteOutcome(
            peer=self._inviter,
            name=name,
            services=tuple(payload.services),
            sas=sas,
            suite=self._suite,
        )
        return frame(m5)


# ---- the inviter ---------------------------------------------------------------------------------


def peek_invite_id(body: bytes) -> bytes | None:
    """The invite ID in a HELLO (M1), so the inviter can find the invite; None if malformed."""
    try:
        cursor = _Cursor(body)
        if cursor.take(1) != bytes([HELLO]):
            return None
        return cursor.lp8(32)
    except _Malformed:
        return None


class InviterHandshake:
    """The inviter's side of one attempt: :meth:`receive` for M1, M3 and M5.

    Args:
        password: The invite's password.
        invite_id: The invite's ID.
        own: The inviter's peer ID.
        joiner: The peer ID Noise authenticated for this stream.
        name: The inviter's name, sent to the joiner.
        services: The inviter's offered services (names), sent to the joiner.
        now: Current time; the attempt has a deadline.
        suites: Accepted suites, most preferred first.
        entropy: Randomness source.
    """

    def __init__(
        self,
        *,
        password: bytes,
        invite_id: bytes,
        own: PeerId,
        joiner: PeerId,
        name: str,
        services: Sequence[str],
        now: float,
        suites: Sequence[str] = DEFAULT_SUITES,
        entropy: Entropy = os.urandom,
    ) -> None:
        self._own = own
        self._joiner = joiner
        self._invite_id = invite_id
        self._name = name
        self._services = list(services)[:MAX_SERVICES]
        self._suites = tuple(suites)
        self._deadline = now + HANDSHAKE_TIMEOUT
        self._pake = SPAKE2_B(
            _pake_password(password), idA=joiner.raw, idB=own.raw, entropy_f=entropy
        )
        self._step = HELLO
        self._t2 = b""
        self._t4 = b""
        self._keys: _Keys | None = None
        self._suite = ""
        self._joiner_name = ""
        self.outcome: InviteOutcome | None = None

    def receive(self, body: bytes, now: float) -> bytes | None:
        """Handle M1 (→ framed M2), M3 (→ framed M4) or M5 (→ None; :attr:`outcome` set).

        Raises:
            PairingError: ``"wrong-code"`` for any failure: a wrong password, a malformed or
                altered message, a suite we do not accept, or ``"timeout"``. Every failure
                counts as a failed attempt against the invite.
        """
        if now > self._deadline:
            raise PairingError("timeout", "the joiner took too long")
        try:
            if self._step == HELLO:
                reply = self._on_hello(body)
            elif self._step == CONFIRM:
                reply = self._on_confirm(body)
            elif self._step == FINISH:
                self._on_finish(body)
                reply = None
            else:
                raise _Malformed
        except (_Malformed, ValueError, UnicodeDecodeError, InvalidTag):
            self._step = 0
            raise PairingError("wrong-code", WRONG_CODE) from None
        except (msgspec.DecodeError, msgspec.ValidationError):
            self._step = 0
            raise PairingError("wrong-code", WRONG_CODE) from None
        return reply

    def _on_hello(self, body: bytes) -> bytes:
        cursor = _Cursor(body)
        if cursor.take(1) != bytes([HELLO]):
            raise _Malformed
        if cursor.lp8(32) != self._invite_id:
            raise _Malformed
        (count,) = cursor.take(1)
        if not 0 < count <= MAX_SUITES:
            raise _Malformed
        offered = [cursor.lp8(MAX_SUITE_NAME).decode("ascii") for _ in range(count)]
        pake_msg = cursor.lp16(_PAKE_MSG_LEN)
        ek = cursor.lp16(_KEM_EK_LEN)
        cursor.end()
        suite = next((s for s in self._suites if s in offered and s in _KNOWN_SUITES), None)
        if suite is None:
            raise _Malformed
        if suite == SUITE_HYBRID:
            if len(ek) != _KEM_EK_LEN:
                raise _Malformed
            kem_secret, kem_ct = MLKEM768PublicKey.from_public_bytes(ek).encapsulate()
        else:
            kem_secret, kem_ct = b"", b""
        own_msg = self._pake.start()
        pake_key = _pake_finish(self._pake, pake_msg)
        core = bytes([REPLY]) + _lp8(suite.encode("ascii")) + _lp16(own_msg)
        core += _lp16(kem_ct)
        self._t2 = hashlib.sha256(
            _context(self._invite_id, self._joiner, self._own) + _lp16(body) + _lp16(core)
        ).digest()
        self._keys = _key_schedule(suite, pake_key, kem_secret, self._t2)
        self._suite = suite
        self._step = CONFIRM
        return frame(core + _mac(self._keys.confirm_inviter, b"inviter", self._t2))

    def _on_confirm(self, body: bytes) -> bytes:
        keys = self._keys
        assert keys is not None
        cursor = _Cursor(body)
        if cursor.take(1) != bytes([CONFIRM]):
            raise _Malformed
        mac_joiner = cursor.take(_MAC_LEN)
        sealed = cursor.rest()
        if len(sealed) > MAX_PAYLOAD:
            raise _Malformed
        if not hmac.compare_digest(_mac(keys.confirm_joiner, b"joiner", self._t2), mac_joiner):
            raise _Malformed
        plain = ChaCha20Poly1305(keys.seal_joiner).decrypt(_NONCE, sealed, self._t2)
        self._joiner_name = _check_name(msgspec.json.decode(plain, type=_JoinerPayload).name)
        t3 = hashlib.sha256(self._t2 + _lp16(body)).digest()
        payload = msgspec.json.encode(_InviterPayload(name=self._name, services=self._services))
        m4 = bytes([WELCOME]) + ChaCha20Poly1305(keys.seal_inviter).encrypt(_NONCE, payload, t3)
        self._t4 = hashlib.sha256(t3 + _lp16(m4)).digest()
        self._step = FINISH
        return frame(m4)

    def _on_finish(self, body: bytes) -> None:
        keys = self._keys
        assert keys is not None
        cursor = _Cursor(body)
        if cursor.take(1) != bytes([FINISH]):
            raise _Malformed
        mac = cursor.take(_MAC_LEN)
        cursor.end()
        if not hmac.compare_digest(_mac(keys.finish, b"finish", self._t4), mac):
            raise _Malformed
        sas = derive_sas(
            keys.sas,
            purpose=b"invite/2",
            id_a=self._joiner.raw,
            id_b=self._own.raw,
            transcript=self._t4,
        )
        self._step = 0
        self.outcome = InviteOutcome(
            peer=self._joiner, name=self._joiner_name, services=(), sas=sas, suite=self._suite
        )


# ---- the invite's life ---------------------------------------------------------------------------


class InvitationState(enum.Enum):
    """Where an invite is in its life."""

    OPEN = "open"
    USED = "used"
    BURNED = "burned"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


MAX_FAILURES = 3


class Invitation:
    """One invite on the inviter's side: single use, a TTL, burned after 3 failed attempts.

    At most :data:`MAX_FAILURES` guesses are ever tested against it (see the module docstring):
    :meth:`begin` reserves one, :meth:`fail` keeps it counted, :meth:`claim` ends it in success.

    Args:
        password: The code's password.
        invite_id: The code's invite ID.
        own: The inviter's peer ID.
        expires_at: Deadline, on the same clock as the ``now`` passed to the methods.
        name: The inviter's name sent to joiners.
        services: The inviter's offered services.
        suites: Accepted suites.
    """

    def __init__(
        self,
        *,
        password: bytes,
        invite_id: bytes,
        own: PeerId,
        expires_at: float,
        name: str,
        services: Sequence[str],
        suites: Sequence[str] = DEFAULT_SUITES,
    ) -> None:
        self.invite_id = invite_id
        self.expires_at = expires_at
        self.failures = 0
        self.in_flight = 0
        self.attempts = 0
        self.state = InvitationState.OPEN
        self._password = password
        self._own = own
        self._name = name
        self._services = tuple(services)
        self._suites = tuple(suites)
        self._alternates: dict[bytes, bytes] = {}

    def refresh(self, now: float) -> InvitationState:
        """Move an open invite past its deadline to EXPIRED; return the state."""
        if self.state is InvitationState.OPEN and now >= self.expires_at:
            self.state = InvitationState.EXPIRED
        return self.state

    def add_code(self, invite_id: bytes, password: bytes) -> None:
        """Accept a second code for the same invite (the short LAN code): same state, same
        single use, same burn counter."""
        self._alternates[invite_id] = password

    @property
    def invite_ids(self) -> tuple[bytes, ...]:
        """Every invite ID this invite answers to."""
        return (self.invite_id, *self._alternates)

    @property
    def guesses_left(self) -> int:
        """How many more attempts may begin now (failed and in-flight ones use up the 3)."""
        return max(0, MAX_FAILURES - self.failures - self.in_flight)

    def begin(self, joiner: PeerId, now: float, invite_id: bytes | None = None) -> InviterHandshake:
        """Start an attempt by ``joiner`` for the code named by ``invite_id`` (default: main).

        The attempt is counted from here (its M2 lets the joiner test its password) until it
        ends: call exactly one of :meth:`fail` or :meth:`claim` for it.

        Raises:
            PairingError: the invite is not open (reason = its state), the ID is unknown
                (``unknown``), or the attempts failed and in flight already use up the guesses
                (``busy``); the joiner only ever sees the stream close, i.e. "wrong code or
                expired".
        """
        state = self.refresh(now)
        if state is not InvitationState.OPEN:
            raise PairingError(state.value, f"the invite is {state.value}")
        invite_id = self.invite_id if invite_id is None else invite_id
        if invite_id == self.invite_id:
            password = self._password
        elif invite_id in self._alternates:
            password = self._alternates[invite_id]
        else:
            raise PairingError("unknown", "no such invite")
        if not self.guesses_left:
            raise PairingError(
                "busy",
                f"{self.in_flight} attempt(s) in progress and {self.failures} failed: "
                "no guess left to offer now",
            )
        self.in_flight += 1
        self.attempts += 1
        return InviterHandshake(
            password=password,
            invite_id=invite_id,
            own=self._own,
            joiner=joiner,
            name=self._name,
            services=self._services,
            now=now,
            suites=self._suites,
        )

    def fail(self) -> bool:
        """End an attempt in failure: it stays counted, whatever state the invite is in now.

        Returns:
            True when this failure burned the invite (it was open, and this is the third).
        """
        self.in_flight = max(0, self.in_flight - 1)
        self.failures += 1
        if self.state is InvitationState.OPEN and self.failures >= MAX_FAILURES:
            self.state = InvitationState.BURNED
            return True
        return False

    def claim(self, now: float) -> bool:
        """End a completed attempt: the invite is used.

        Returns:
            False if the invite closed meanwhile (then the attempt is still in flight: end it
            with :meth:`fail`).
        """
        if self.refresh(now) is not InvitationState.OPEN:
            return False
        self.in_flight = max(0, self.in_flight - 1)
        self.state = InvitationState.USED
        return True

    def cancel(self) -> None:
        """Cancel an open invite."""
        if self.state is InvitationState.OPEN:
            self.state = InvitationState.CANCELLED


# ---- what front ends see -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SasView:
    """A SAS as the API sends it: the emoji, their names and the 6-digit form."""

    emoji: tuple[str, ...]
    names: tuple[str, ...]
    digits: str

    @classmethod
    def of(cls, sas: Sas) -> SasView:
        """The view of a SAS."""
        return cls(emoji=sas.emoji, names=sas.names, digits=sas.digits)

    def text(self) -> str:
        """One line for a terminal."""
        return " · ".join(f"{e} {n}" for e, n in zip(self.emoji, self.names, strict=True))


@dataclass(frozen=True, slots=True)
class InviteProgress:
    """One line of the inviter's progress stream.

    ``kind`` is one of ``code`` (the invite is open: ``code``, ``link``, ``expires_at``),
    ``attempt`` (a peer started a handshake), ``attempt-failed`` (``failures``,
    ``attempts_left``), ``burned`` (3 failures: the code is dead), ``joined`` (``peer_id``,
    ``name``, ``sas``), ``expired`` and ``cancelled``. The last four end the stream.
    """

    kind: str
    code: str | None = None
    link: str | None = None
    short_code: str | None = None
    expires_at: int | None = None
    peer_id: str | None = None
    name: str | None = None
    failures: int = 0
    attempts_left: int = MAX_FAILURES
    sas: SasView | None = None
    warning: str | None = None
    warning_code: str | None = None  # stable code of ``warning``: "peer-key-changed"

    @property
    def final(self) -> bool:
        """Whether this line ends the invite."""
        return self.kind in ("burned", "joined", "expired", "cancelled")


@dataclass(frozen=True, slots=True)
class JoinResult:
    """What `peerup join` reports.

    Attributes:
        peer_id: The inviter.
        name: The name we stored for it (sanitized, de-duplicated; None if it sent none).
        services: The services the inviter offers.
        sas: What both screens show.
        suite: The cipher suite used.
        warning: Set when the inviter's name belonged to another key (a key change).
        warning_code: The stable code of ``warning``: ``peer-key-changed``.
    """

    peer_id: str
    name: str | None
    services: tuple[str, ...]
    sas: SasView
    suite: str
    warning: str | None = None
    warning_code: str | None = None
