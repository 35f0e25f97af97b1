"""Relay pairing groups, sans-IO: the relay's token store, the wire formats and the proofs.

Theory of operation
-------------------
A relay admin opens a *group* of N codes (``peerup relay pair --count N``). Each code holds a
128-bit token; the relay keeps only ``SHA-256(token)`` and two values derived from the token
(below), so a copy of its state file cannot be used to join. A device redeems its code on
``/peerup/relay-pair/1.0.0`` (wire as the Go peer-up, spec §4.2, so either side may be the Go
program). The relay authorizes the joiner, tags it ``group=<gid>``, replies with the members so
far, and later introduces members to each other on ``/peerup/peer-notify/1.0.0`` (spec §4.4).

Tokens: the first 4 bytes of every token of a group are the group ID (8 hex digits), the other 12
are random. That lets the relay charge a failed attempt to the group it was aimed at even though
the wire carries only the token; with 96 random bits per code, online guessing stays hopeless.
**Burn:** after :data:`MAX_FAILED_ATTEMPTS` failed attempts against a group, its unused codes are
dead (per *group*, because a wrong token cannot be tied to one slot; the reference's per-slot
counter was never incremented at all). A token is checked and a failure counted in one step
(:meth:`TokenStore.redeem`), so parallel attempts are counted one by one: a group is burned by
its third wrong token, whatever the concurrency, and a wrong token still counts once the group is
full. Attempts whose prefix names no group are charged to no group (they cannot be a typo of any
code we issued): :meth:`~TokenStore.redeem` refuses them as ``unknown``, and the engine charges
them to the stranger's probe budget (:mod:`app.core.pairing.probes`).

Proofs (the reference stored HMACs and never checked them; here every member checks):

* ``member_key = HMAC-SHA256(token, "peerup/relay-pair/member-key/1")``: known to the joiner
  (it has the token) and to the relay (computed when the code was made). Nobody else has it.
* Introduction proof for recipient R about peer P in group G:
  ``HMAC-SHA256(member_key_R, "peerup/peer-notify/1" ‖ len‖G ‖ len‖P_raw ‖ len‖R_raw)``.
  R recomputes it with its own member key: the introduction provably comes from the holder of
  R's code (the relay), for *this* group, about *this* peer ID, addressed to R; it cannot be
  replayed to another member, another group, or with another peer ID swapped in.
* The relay's line on the joiner keeps the reference's ``hmac_proof = HMAC-SHA256(token, gid)``.

Threat model: the relay is trusted to introduce (it made every code; it could introduce anyone)
within the bounds the member recorded when it joined: no more members than the group has codes
(the size the relay's reply to the join gave), and no introduction after the group's expiry (as
the member's code declared it) plus the week the relay keeps delivering to members who were away.
Members accept introductions only over a Noise-authenticated stream from their relay's peer ID,
only for a group they joined through that relay, and only with a valid proof. A peer that is not
the relay, a forged or replayed proof, or another group's introduction is refused. Our pairing
reply carries proofs for the members listed in it, in an extension the Go client ignores (it
reads exactly the fields it knows). A Go relay sends no extension and its proofs cannot be
checked (they are keyed by the *introduced* peer's token); groups joined through a Go relay's
code are marked so and their introductions are accepted on the relay's word alone.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import msgspec

from app.core.errors import PairingError, RemoteProtocolError
from app.core.ids.peerid import PeerId

__all__ = [
    "KEEP_EXPIRED",
    "MAX_FAILED_ATTEMPTS",
    "MAX_GROUP_SIZE",
    "NOTIFY_PROTOCOL",
    "PAIR_PROTOCOL",
    "Group",
    "Introduction",
    "Member",
    "Membership",
    "MembershipBook",
    "PairReply",
    "Redeemed",
    "TokenStore",
    "decode_notify",
    "decode_pair_reply",
    "decode_pair_request",
    "encode_notify",
    "encode_pair_error",
    "encode_pair_reply",
    "encode_pair_request",
    "intro_proof",
    "member_key",
    "relay_proof",
]

PAIR_PROTOCOL = "/peerup/relay-pair/1.0.0"
NOTIFY_PROTOCOL = "/peerup/peer-notify/1.0.0"
TOKEN_SIZE = 16
GROUP_ID_BYTES = 4
MAX_NAME = 64
MAX_GROUP_SIZE = 100
MAX_FAILED_ATTEMPTS = 3
PROOF_SIZE = 32
MAX_PAIR_REQUEST = TOKEN_SIZE + 1 + MAX_NAME
MAX_PAIR_REPLY = 2 + 255 + 2 + 255 * (2 + 64 + 255) + 4 + 255 * PROOF_SIZE
MAX_NOTIFY = 2 + 255 + 2 + 255 * (2 + 128 + 1 + 255 + PROOF_SIZE)
KEEP_EXPIRED = 7 * 86400.0  # expired/revoked groups stay listed (and deliver introductions)
_STATUS_OK = 0x01
_STATUS_ERR = 0x00
_ERROR_TEXT = b"pairing failed"
_EXTENSION = b"PUX\x01"
_MEMBER_KEY_LABEL = b"peerup/relay-pair/member-key/1"
_PROOF_LABEL = b"peerup/peer-notify/1"

Random = Callable[[int], bytes]


# ---- proofs --------------------------------------------------------------------------------------


def member_key(token: bytes) -> bytes:
    """The key a member shares with its relay (see the module docstring)."""
    return hmac.new(token, _MEMBER_KEY_LABEL, hashlib.sha256).digest()


def relay_proof(token: bytes, group_id: str) -> bytes:
    """The reference's ``HMAC-SHA256(token, gid)``, kept on the relay's authorized_keys line."""
    return hmac.new(token, group_id.encode("ascii"), hashlib.sha256).digest()


def _lp(data: bytes) -> bytes:
    return bytes([len(data)]) + data


def intro_proof(key: bytes, group_id: str, introduced: PeerId, recipient: PeerId) -> bytes:
    """The proof that introduces ``introduced`` to ``recipient`` in ``group_id``."""
    message = (
        _PROOF_LABEL + _lp(group_id.encode("ascii")) + _lp(introduced.raw) + _lp(recipient.raw)
    )
    return hmac.new(key, message, hashlib.sha256).digest()


def clean_name(name: str) -> str:
    """A peer's self-chosen name as it may travel: printable, no '#', at most 64 bytes."""
    kept = "".join(c for c in name if c.isprintable() and c != "#").strip()
    raw = kept.encode("utf-8")[:MAX_NAME]
    return raw.decode("utf-8", "ignore")


# ---- wire: /peerup/relay-pair/1.0.0 --------------------------------------------------------------


def encode_pair_request(token: bytes, name: str) -> bytes:
    """Client → relay: ``[16] token | [1] len | name`` (the name is cut to 64 bytes)."""
    if len(token) != TOKEN_SIZE:
        raise ValueError("a pairing token is 16 bytes")
    return token + _lp(clean_name(name).encode("utf-8"))


def decode_pair_request(data: bytes) -> tuple[bytes, str]:
    """Relay side: the token and the joiner's (cleaned) name.

    Raises:
        RemoteProtocolError: Truncated, oversized name, or trailing bytes.
    """
    if len(data) < TOKEN_SIZE + 1:
        raise RemoteProtocolError("pairing request is truncated")
    token, size = data[:TOKEN_SIZE], data[TOKEN_SIZE]
    if size > MAX_NAME:
        raise RemoteProtocolError(f"pairing request name is {size} bytes (at most {MAX_NAME})")
    raw = data[TOKEN_SIZE + 1 :]
    if len(raw) != size:
        raise RemoteProtocolError("pairing request has the wrong length")
    return token, clean_name(raw.decode("utf-8", "replace"))


@dataclass(frozen=True)
class Member:
    """A group member as the wire and the stores carry it."""

    peer_id: PeerId
    name: str


@dataclass(frozen=True)
class PairReply:
    """The relay's successful reply.

    Attributes:
        group_id: 8 hex digits.
        group_size: The number of codes in the group.
        members: The members that joined before this one.
        proofs: One introduction proof per member (our relay), or None (a Go relay).
    """

    group_id: str
    group_size: int
    members: tuple[Member, ...]
    proofs: tuple[bytes, ...] | None


def encode_pair_reply(reply: PairReply) -> bytes:
    """Relay → client OK (spec §4.2), plus our proof extension after the reference fields."""
    out = bytearray([_STATUS_OK])
    out += _lp(reply.group_id.encode("ascii"))
    out.append(min(reply.group_size, 255))
    out.append(len(reply.members))
    for member in reply.members:
        out += _lp(member.peer_id.raw) + _lp(clean_name(member.name).encode("utf-8"))
    if reply.proofs is not None:
        out += _EXTENSION + b"".join(reply.proofs)
    return bytes(out)


def encode_pair_error() -> bytes:
    """Relay → client failure: the same text whatever went wrong (reveals nothing)."""
    return bytes([_STATUS_ERR]) + _lp(_ERROR_TEXT)


class _Cursor:
    def __init__(self, data: bytes, what: str) -> None:
        self.data, self.pos, self.what = data, 0, what

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise RemoteProtocolError(f"{self.what} is truncated")
        out = self.data[self.pos : self.pos + count]
        self.pos += count
        return out

    def byte(self) -> int:
        return self.take(1)[0]

    def rest(self) -> bytes:
        out = self.data[self.pos :]
        self.pos = len(self.data)
        return out


def _peer(raw: bytes, what: str) -> PeerId:
    try:
        return PeerId.from_bytes(raw)
    except Exception as exc:  # InvalidPeerIdError; anything else is equally a bad message
        raise RemoteProtocolError(f"{what} holds an invalid peer ID: {exc}") from None


def _group_id(raw: bytes, what: str) -> str:
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        text = ""
    if not text or len(text) > 64 or not all(c.isalnum() or c in "-_" for c in text):
        raise RemoteProtocolError(f"{what} has an invalid group ID")
    return text


def decode_pair_reply(data: bytes) -> PairReply:
    """Client side: parse the relay's reply.

    Raises:
        PairingError: ``refused`` when the relay said no (wrong, used, expired, revoked or
            burned code: the relay does not say which).
        RemoteProtocolError: A malformed reply.
    """
    what = "the relay's pairing reply"
    if len(data) > MAX_PAIR_REPLY:
        raise RemoteProtocolError(f"{what} is too large")
    cur = _Cursor(data, what)
    status = cur.byte()
    if status == _STATUS_ERR:
        raise PairingError(
            "refused",
            "the relay refused the code (it is wrong, already used, expired, revoked, or burned "
            "after too many failed attempts)",
            hint="ask the relay's admin for a new code (peerup relay pair)",
        )
    if status != _STATUS_OK:
        raise RemoteProtocolError(f"{what} has unknown status 0x{status:02x}")
    gid = _group_id(cur.take(cur.byte()), what)
    size = cur.byte()
    count = cur.byte()
    members = []
    for _ in range(count):
        pid = _peer(cur.take(cur.byte()), what)
        name = clean_name(cur.take(cur.byte()).decode("utf-8", "replace"))
        members.append(Member(pid, name))
    rest = cur.rest()
    proofs: tuple[bytes, ...] | None = None
    if rest:
        if not rest.startswith(_EXTENSION) or len(rest) != len(_EXTENSION) + PROOF_SIZE * count:
            raise RemoteProtocolError(f"{what} has {len(rest)} unexpected bytes at its end")
        body = rest[len(_EXTENSION) :]
        proofs = tuple(body[i : i + PROOF_SIZE] for i in range(0, len(body), PROOF_SIZE))
    return PairReply(gid, size, tuple(members), proofs)


# ---- wire: /peerup/peer-notify/1.0.0 -------------------------------------------------------------


@dataclass(frozen=True)
class Introduction:
    """Relay → member: the members of a group, each with a proof.

    Attributes:
        group_id: The group.
        group_size: Members joined so far (the reference's meaning), the recipient included.
        members: ``(member, proof)`` pairs.
    """

    group_id: str
    group_size: int
    members: tuple[tuple[Member, bytes], ...]


def encode_notify(intro: Introduction) -> bytes:
    """The reference's layout (peer IDs as base58 text with a 2-byte length)."""
    out = bytearray([_STATUS_OK])
    out += _lp(intro.group_id.encode("ascii"))
    out.append(min(intro.group_size, 255))
    out.append(len(intro.members))
    for member, proof in intro.members:
        text = str(member.peer_id).encode("ascii")
        out += struct.pack(">H", len(text)) + text
        out += _lp(clean_name(member.name).encode("utf-8"))
        out += proof.ljust(PROOF_SIZE, b"\x00")[:PROOF_SIZE]
    return bytes(out)


def decode_notify(data: bytes) -> Introduction:
    """Member side: parse an introduction (bounded, strict, no trailing bytes).

    Raises:
        RemoteProtocolError: Malformed, or a count that exceeds the group size.
    """
    what = "the introduction"
    if len(data) > MAX_NOTIFY:
        raise RemoteProtocolError(f"{what} is too large")
    cur = _Cursor(data, what)
    if cur.byte() != _STATUS_OK:
        raise RemoteProtocolError(f"{what} has an unknown type")
    gid = _group_id(cur.take(cur.byte()), what)
    size = cur.byte()
    count = cur.byte()
    members = []
    for _ in range(count):
        (length,) = struct.unpack(">H", cur.take(2))
        if length > 128:
            raise RemoteProtocolError(f"{what} has an oversized peer ID")
        try:
            pid = PeerId.parse(cur.take(length).decode("ascii"))
        except Exception as exc:  # bad ASCII or bad ID: the same malformed message
            raise RemoteProtocolError(f"{what} holds an invalid peer ID: {exc}") from None
        name = clean_name(cur.take(cur.byte()).decode("utf-8", "replace"))
        members.append((Member(pid, name), cur.take(PROOF_SIZE)))
    if cur.pos != len(data):
        raise RemoteProtocolError(f"{what} has {len(data) - cur.pos} unexpected bytes at its end")
    # The reference refused `known + len(peers) >= groupSize`, which rejects the third member of
    # a group of three (spec §4.4). The right bound: the others in a group of `size` are at most
    # `size - 1` peers; the member checks the union with those it knows (MembershipBook).
    if size == 0 or count > size:
        raise RemoteProtocolError(f"{what} lists {count} members for a group of {size}")
    return Introduction(gid, size, tuple(members))


# ---- the relay's token store ---------------------------------------------------------------------


class _SlotState(msgspec.Struct, forbid_unknown_fields=True):
    token_hash: str
    member_key: str
    relay_proof: str
    peer_id: str = ""
    name: str = ""
    joined_at: float = 0.0


class _GroupState(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    created_at: float
    expires_at: float
    namespace: str | None = None
    peer_ttl: float = 0.0
    revoked: bool = False
    failed_attempts: int = 0
    slots: list[_SlotState] = msgspec.field(default_factory=list)
    delivered: list[tuple[str, str]] = msgspec.field(default_factory=list)


class _StoreState(msgspec.Struct, forbid_unknown_fields=True):
    version: int
    groups: list[_GroupState]


@dataclass(frozen=True)
class Group:
    """A group as the admin sees it (``relay pair --list``)."""

    id: str
    namespace: str | None
    created_at: float
    expires_at: float
    total: int
    used: int
    failed_attempts: int
    state: str  # open, full, expired, revoked, burned
    members: tuple[Member, ...]
    peer_ttl: float = 0.0


@dataclass(frozen=True)
class Redeemed:
    """A successful redemption: what the relay does next.

    Attributes:
        group_id: The joiner's group.
        reply: What to send back to the joiner.
        relay_proof: The reference's ``HMAC(token, gid)``, hex (for logs/tests).
        peer_expires_at: When the joiner's authorization ends (0: never).
    """

    group_id: str
    reply: PairReply
    relay_proof: str
    peer_expires_at: float


@dataclass
class TokenStore:
    """The relay's groups and codes. Pure: time and randomness are passed in.

    Every method that changes something returns; the caller persists :meth:`to_json` (the engine
    writes it atomically after each change).
    """

    _groups: dict[str, _GroupState] = field(default_factory=dict)

    # -- persistence

    def to_json(self) -> bytes:
        """The whole store, for the state file."""
        return msgspec.json.encode(_StoreState(version=1, groups=list(self._groups.values())))

    @classmethod
    def from_json(cls, data: bytes) -> TokenStore:
        """Load a state file.

        Raises:
            PairingError: ``bad-state`` with what is wrong (the caller names the file).
        """
        try:
            state = msgspec.json.decode(data, type=_StoreState)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise PairingError("bad-state", f"the pairing state is invalid: {exc}") from None
        if state.version != 1:
            raise PairingError("bad-state", f"unknown pairing state version {state.version}")
        return cls({g.id: g for g in state.groups})

    # -- admin

    def create_group(
        self,
        *,
        count: int,
        ttl: float,
        now: float,
        random: Random,
        namespace: str | None = None,
        peer_ttl: float = 0.0,
    ) -> tuple[str, list[bytes], float]:
        """Open a group of ``count`` codes valid for ``ttl`` seconds.

        Returns:
            ``(group_id, tokens, expires_at)``; the tokens exist only in this return value.

        Raises:
            PairingError: ``bad-request`` for a count outside 1..100 or a non-positive TTL.
        """
        if not 1 <= count <= MAX_GROUP_SIZE:
            raise PairingError("bad-request", f"count must be 1 to {MAX_GROUP_SIZE}, not {count}")
        if ttl <= 0:
            raise PairingError("bad-request", "the time to live must be positive")
        while True:
            prefix = random(GROUP_ID_BYTES)
            gid = prefix.hex()
            if gid not in self._groups:
                break
        tokens = [prefix + random(TOKEN_SIZE - GROUP_ID_BYTES) for _ in range(count)]
        slots = [
            _SlotState(
                token_hash=hashlib.sha256(t).hexdigest(),
                member_key=member_key(t).hex(),
                relay_proof=relay_proof(t, gid).hex(),
            )
            for t in tokens
        ]
        expires = now + ttl
        self._groups[gid] = _GroupState(
            id=gid,
            created_at=now,
            expires_at=expires,
            namespace=namespace or None,
            peer_ttl=peer_ttl,
            slots=slots,
        )
        return gid, tokens, expires

    def revoke(self, group_id: str) -> None:
        """Close a group: its unused codes stop working (members stay authorized).

        Raises:
            PairingError: ``not-found``.
        """
        group = self._groups.get(group_id)
        if group is None:
            raise PairingError("not-found", f"no pairing group {group_id!r}")
        group.revoked = True

    def prune(self, now: float) -> bool:
        """Forget groups closed for longer than a week; returns whether anything changed."""
        old = [
            g.id for g in self._groups.values() if self._closed_since(g, now) + KEEP_EXPIRED < now
        ]
        for gid in old:
            del self._groups[gid]
        return bool(old)

    @staticmethod
    def _closed_since(group: _GroupState, now: float) -> float:
        if group.revoked or group.failed_attempts >= MAX_FAILED_ATTEMPTS:
            return min(group.expires_at, now)
        return group.expires_at

    def _state(self, group: _GroupState, now: float) -> str:
        if group.revoked:
            return "revoked"
        if group.failed_attempts >= MAX_FAILED_ATTEMPTS:
            return "burned"
        if now >= group.expires_at:
            return "expired"
        if all(s.peer_id for s in group.slots):
            return "full"
        return "open"

    def groups(self, now: float) -> list[Group]:
        """Every group, oldest first."""
        return [
            self._view(g, now) for g in sorted(self._groups.values(), key=lambda g: g.created_at)
        ]

    def _view(self, group: _GroupState, now: float) -> Group:
        members = tuple(Member(PeerId.parse(s.peer_id), s.name) for s in group.slots if s.peer_id)
        return Group(
            id=group.id,
            namespace=group.namespace,
            created_at=group.created_at,
            expires_at=group.expires_at,
            total=len(group.slots),
            used=len(members),
            failed_attempts=group.failed_attempts,
            state=self._state(group, now),
            members=members,
            peer_ttl=group.peer_ttl,
        )

    def any_open(self, now: float) -> bool:
        """Whether some group still accepts joiners (the relay admits peers on probation)."""
        return any(self._state(g, now) == "open" for g in self._groups.values())

    def next_change(self, now: float) -> float | None:
        """When the nearest open group expires (so the caller can close probation then)."""
        times = [g.expires_at for g in self._groups.values() if self._state(g, now) == "open"]
        return min(times) if times else None

    # -- redemption

    def redeem(self, token: bytes, peer: PeerId, name: str, now: float) -> Redeemed:
        """Use a code for ``peer``.

        Raises:
            PairingError: ``wrong-code``, ``expired``, ``revoked``, ``burned`` or ``used``; a
                failed attempt counts against the group its token names. ``unknown`` when
                the token names no group here (counted against none).
        """
        if len(token) != TOKEN_SIZE:
            raise PairingError("unknown", "the token has the wrong size")
        group = self._groups.get(token[:GROUP_ID_BYTES].hex())
        if group is None:
            raise PairingError("unknown", "the token names no group on this relay")
        state = self._state(group, now)
        if state in ("revoked", "burned", "expired"):
            raise PairingError(state, f"pairing group {group.id} is {state}")
        digest = hashlib.sha256(token).hexdigest()
        match: _SlotState | None = None
        for slot in group.slots:  # every slot is compared: the time does not depend on which
            if hmac.compare_digest(slot.token_hash, digest):
                match = slot
        already = next((s for s in group.slots if s.peer_id == str(peer)), None)
        if match is None:
            group.failed_attempts += 1
            burned = group.failed_attempts >= MAX_FAILED_ATTEMPTS
            raise PairingError(
                "burned" if burned else "wrong-code",
                f"wrong code for group {group.id} (failed attempt {group.failed_attempts} of "
                f"{MAX_FAILED_ATTEMPTS})",
            )
        if match.peer_id and match.peer_id != str(peer):
            raise PairingError("used", f"this code of group {group.id} was already used")
        if already is not None and already is not match:
            raise PairingError("used", f"{peer.short()} already joined group {group.id}")
        match.peer_id, match.name, match.joined_at = str(peer), clean_name(name), now
        key = bytes.fromhex(match.member_key)
        others = tuple(
            Member(PeerId.parse(s.peer_id), s.name)
            for s in group.slots
            if s.peer_id and s is not match
        )
        proofs = tuple(intro_proof(key, group.id, m.peer_id, peer) for m in others)
        for m in others:  # the reply itself introduces them to the joiner
            self._mark(group, str(peer), str(m.peer_id))
        reply = PairReply(group.id, len(group.slots), others, proofs)
        expires = now + group.peer_ttl if group.peer_ttl > 0 else 0.0
        return Redeemed(group.id, reply, match.relay_proof, expires)

    # -- introductions

    @staticmethod
    def _mark(group: _GroupState, recipient: str, introduced: str) -> None:
        pair = (recipient, introduced)
        if pair not in group.delivered:
            group.delivered.append(pair)

    def member_groups(self, peer: PeerId) -> list[str]:
        """The groups ``peer`` joined."""
        return [g.id for g in self._groups.values() if any(s.peer_id == str(peer) for s in g.slots)]

    def pending_introduction(self, group_id: str, recipient: PeerId) -> Introduction | None:
        """What ``recipient`` has not been told yet about its group (None: nothing).

        Only the members not yet delivered are listed, so a Go peer-up member's size check
        (which counts the members it knows) accepts it too.
        """
        group = self._groups.get(group_id)
        if group is None or self._state(group, float("-inf")) in ("revoked", "burned"):
            return None
        slot = next((s for s in group.slots if s.peer_id == str(recipient)), None)
        if slot is None:
            return None
        key = bytes.fromhex(slot.member_key)
        done = {i for r, i in group.delivered if r == str(recipient)}
        joined = [s for s in group.slots if s.peer_id]
        new = [
            (Member(PeerId.parse(s.peer_id), s.name), s)
            for s in joined
            if s.peer_id != str(recipient) and s.peer_id not in done
        ]
        if not new:
            return None
        members = tuple((m, intro_proof(key, group.id, m.peer_id, recipient)) for m, _ in new)
        return Introduction(group.id, len(joined), members)

    def mark_delivered(self, group_id: str, recipient: PeerId, peers: Iterable[PeerId]) -> None:
        """Record that ``recipient`` now knows ``peers``."""
        group = self._groups.get(group_id)
        if group is not None:
            for pid in peers:
                self._mark(group, str(recipient), str(pid))


# ---- the member's record of its groups -----------------------------------------------------------


class Membership(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A group this node joined.

    Attributes:
        group_id: The group.
        relay: The relay's peer ID (introductions are accepted from it only).
        member_key: Hex; None when the group was joined through a Go relay (proofs unverifiable).
        joined_at: Unix seconds.
        group_size: The number of codes of the group, as the relay's reply to our join said (0:
            not recorded, a membership from before it was). No introduction may take the group
            past it, whatever later messages claim.
        introduce_until: Unix seconds after which the relay may introduce nobody any more: the
            group's expiry that our code declared, plus the week the relay keeps delivering
            introductions to members who were away (0: not known; see :meth:`until`).
    """

    group_id: str
    relay: str
    member_key: str | None
    joined_at: float
    group_size: int = 0
    introduce_until: float = 0.0

    def until(self) -> float:
        """When introductions end: :attr:`introduce_until`, or a week after the join when our
        code did not say when its group expires (a Go relay's code, an old membership)."""
        return self.introduce_until or self.joined_at + KEEP_EXPIRED

    def size_bound(self, claimed: int) -> int:
        """How many members the group may have, given the size a message ``claimed``."""
        return min(claimed, self.group_size) if self.group_size else claimed


class _BookState(msgspec.Struct, forbid_unknown_fields=True):
    version: int
    groups: list[Membership]


@dataclass
class MembershipBook:
    """The groups this node joined, and the check of every introduction."""

    memberships: list[Membership] = field(default_factory=list)

    def to_json(self) -> bytes:
        """For the state file."""
        return msgspec.json.encode(_BookState(version=1, groups=self.memberships))

    @classmethod
    def from_json(cls, data: bytes) -> MembershipBook:
        """Load the state file.

        Raises:
            PairingError: ``bad-state``.
        """
        try:
            state = msgspec.json.decode(data, type=_BookState)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise PairingError(
                "bad-state", f"the group membership file is invalid: {exc}"
            ) from None
        return cls(list(state.groups))

    def add(self, membership: Membership) -> None:
        """Record (or replace) a membership."""
        self.memberships = [
            m
            for m in self.memberships
            if (m.group_id, m.relay) != (membership.group_id, membership.relay)
        ] + [membership]

    def find(self, group_id: str, relay: PeerId) -> Membership | None:
        """The membership of ``group_id`` through ``relay``, if any."""
        return next(
            (m for m in self.memberships if m.group_id == group_id and m.relay == str(relay)),
            None,
        )

    def check(
        self,
        intro: Introduction,
        *,
        sender: PeerId,
        own: PeerId,
        known_members: Iterable[PeerId],
        now: float,
    ) -> list[tuple[Member, bytes]]:
        """Which introduced members to accept.

        Args:
            intro: The decoded message.
            sender: The Noise-authenticated peer that sent it.
            own: This node.
            known_members: Peers already in authorized_keys with ``group=<gid>`` (relays excluded).
            now: Unix seconds.

        Returns:
            The members to authorize (self and the relay left out), with their proofs.

        Raises:
            PairingError: ``not-relay`` (sender is not the relay of a group of ours),
                ``unknown-group``, ``expired`` (the group's time, as our join recorded it, is
                over), ``tampered`` (a proof does not verify), ``too-many`` (more members than
                the group has codes, as our join recorded it, or as the message says).
        """
        membership = self.find(intro.group_id, sender)
        if membership is None:
            if any(m.group_id == intro.group_id for m in self.memberships):
                raise PairingError(
                    "not-relay", f"{sender.short()} is not the relay of group {intro.group_id}"
                )
            if any(m.relay == str(sender) for m in self.memberships):
                raise PairingError(
                    "unknown-group", f"this node is not a member of group {intro.group_id}"
                )
            raise PairingError("not-relay", f"{sender.short()} is not a relay of any group of ours")
        if now > membership.until():
            raise PairingError(
                "expired", f"group {intro.group_id} is over: its relay introduces nobody any more"
            )
        accepted: list[tuple[Member, bytes]] = []
        key = bytes.fromhex(membership.member_key) if membership.member_key else None
        for member, proof in intro.members:
            if member.peer_id in (own, sender):
                continue
            if key is not None:
                expected = intro_proof(key, intro.group_id, member.peer_id, own)
                if not hmac.compare_digest(expected, proof):
                    raise PairingError(
                        "tampered",
                        f"the introduction of {member.peer_id.short()} has an invalid proof",
                    )
            accepted.append((member, proof))
        union = {str(p) for p in known_members} | {str(m.peer_id) for m, _ in accepted}
        union.discard(str(own))
        size = membership.size_bound(intro.group_size)
        if len(union) > max(size - 1, 0):
            raise PairingError(
                "too-many",
                f"group {intro.group_id} would have {len(union) + 1} members, more than its {size}",
            )
        return accepted
