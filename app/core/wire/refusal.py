"""A service refusal the client can explain: written instead of service bytes, then EOF.

A service stream carries raw TCP bytes with no header, so a refused stream used to be a bare
reset and the client could only guess why. For refusals the user can fix (a service that admits
verified peers only), the serving node writes one record and closes the stream::

    \\x00\\xffpeerup-refused\\n <code> \\n <message>

The magic starts with two bytes no text protocol begins with, and the record is only ever sent
instead of the service, never inside it, so a real service's first bytes cannot be mistaken.
"""

from __future__ import annotations

__all__ = ["MAX_REFUSAL", "REFUSAL_MAGIC", "decode_refusal", "encode_refusal", "may_be_refusal"]

REFUSAL_MAGIC = b"\x00\xffpeerup-refused\n"
MAX_REFUSAL = 1024


def encode_refusal(code: str, message: str) -> bytes:
    """The record for ``code`` (kebab-case) and a plain-words ``message`` (clipped)."""
    clean = " ".join(message.split())
    record = REFUSAL_MAGIC + code.encode("ascii") + b"\n" + clean.encode("utf-8")
    return record[:MAX_REFUSAL]


def may_be_refusal(first: bytes) -> bool:
    """True when ``first`` (the start of a stream) is or may become a refusal record."""
    n = min(len(first), len(REFUSAL_MAGIC))
    return n > 0 and first[:n] == REFUSAL_MAGIC[:n]


def decode_refusal(data: bytes) -> tuple[str, str] | None:
    """``(code, message)`` when ``data`` is a refusal record, else None (never raises)."""
    if not data.startswith(REFUSAL_MAGIC) or len(data) > MAX_REFUSAL:
        return None
    code, _, message = data[len(REFUSAL_MAGIC) :].partition(b"\n")
    try:
        code_text = code.decode("ascii")
        text = message.decode("utf-8", "replace")
    except UnicodeDecodeError:
        return None
    if not code_text or not code_text.replace("-", "").isalnum():
        return None
    return code_text, "".join(c for c in text if c.isprintable())[:500]
