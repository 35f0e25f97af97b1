"""``/peerup/reachability/1.0.0``: how a node tells its peers its reachability grade.

One message per stream: the sender writes a JSON object (the fields of
:class:`app.core.status.Reachability`, with the private LAN addresses that only authorized peers
are told, see :mod:`app.core.reach.lan`; older peers leave those out) and closes. The reader takes
at most :data:`MAX_MESSAGE` bytes and validates every field; anything else is a
:class:`~app.core.errors.RemoteProtocolError`, so a peer cannot make us store nonsense.
"""

from __future__ import annotations

import msgspec

from app.core.errors import RemoteProtocolError
from app.core.reach.lan import MAX_LAN_ADDRESSES, parse_lan_address
from app.core.status import Reachability
from app.core.wire.wirejson import decode_json_message

PROTOCOL_ID = "/peerup/reachability/1.0.0"
MAX_MESSAGE = 4096
_MAX_ADDRESSES = 32


def encode_grade(reachability: Reachability) -> bytes:
    """The message announcing ``reachability``."""
    return msgspec.json.encode(reachability)


def decode_grade(data: bytes) -> Reachability:
    """Parse and validate a peer's announcement.

    Raises:
        RemoteProtocolError: oversized, not JSON, or not a valid grade.
    """
    value = decode_json_message(data, Reachability, limit=MAX_MESSAGE, what="reachability message")
    if len(value.public_addresses) > _MAX_ADDRESSES or any(
        len(a) > 200 for a in value.public_addresses
    ):
        raise RemoteProtocolError("reachability message lists too many or too long addresses")
    if max(len(value.reason), len(value.hint), len(value.reason_code)) > 500:
        raise RemoteProtocolError("reachability message has oversized text")
    if len(value.lan_addresses) > MAX_LAN_ADDRESSES:
        raise RemoteProtocolError("reachability message lists too many LAN addresses")
    for address in value.lan_addresses:
        parse_lan_address(address)
    return value
