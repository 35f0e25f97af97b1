"""The fuzz harness runs in the suite with a fixed budget, and its properties have teeth.

``make test`` runs :data:`DEFAULT_RUNS` inputs (seed 7) here, well within a minute; ``make fuzz``
runs longer (see the Makefile and the harness's docstring). The other tests make sure the
harness would notice what it claims to look for: a decoder it does not reach, a handshake that
pairs on an altered message.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from app.core.pairing import invite as invite_hs
from app.core.pairing import verify

REPO = Path(__file__).resolve().parents[3]


def _harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fuzz_core_parsers", REPO / "fuzz" / "fuzz_core_parsers.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FUZZ = _harness()


def test_fuzz_target_fixed_budget() -> None:
    runs = str(FUZZ.DEFAULT_RUNS)
    start = time.monotonic()
    out = subprocess.run(
        [sys.executable, "fuzz/fuzz_core_parsers.py", "--runs", runs, "--seed", "7"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"ok: {FUZZ.DEFAULT_RUNS} inputs, no crash" in out.stdout
    assert time.monotonic() - start < 90


def test_readme_and_makefile_name_the_budgets() -> None:
    readme = (REPO / "README.md").read_text()
    makefile = (REPO / "Makefile").read_text()
    assert f"{FUZZ.DEFAULT_RUNS} inputs in `make test`" in readme
    assert "FUZZ_RUNS ?= 500000" in makefile
    assert "`make fuzz` runs 500000" in readme


@pytest.mark.parametrize(
    "decoder",
    [
        "app.core.reach.dialback.decode_request",
        "app.core.reach.dialback.decode_response",
        "app.core.reach.gradewire.decode_grade",
        "app.core.reach.stun.decode_message",
        "app.core.reach.stun.parse_binding_response",
        "app.core.reach.natpmp.decode_mapping_response",
        "app.core.pairing.relaypair.decode_pair_request",
        "app.core.pairing.relaypair.decode_notify",
        "app.core.pairing.verify.parse_frame",
        "app.core.pairing.invite.peek_invite_id",
        "app.core.wire.refusal.decode_refusal",
        "app.core.wire.varint.read_uvarint",
        "app.core.peers.addrbook.AddressBook.from_json",
        "app.core.pairing.relaypair.TokenStore.from_json",
        "app.core.pairing.relaypair.MembershipBook.from_json",
        "app.core.peers.authkeys.parse_authorized_keys",
        "app.core.codes.joincode.parse_join_code",
        "app.core.codes.relaytext.relay_address_from_text",
    ],
)
def test_every_network_and_file_decoder_is_a_target(decoder: str) -> None:
    source = (REPO / "fuzz" / "fuzz_core_parsers.py").read_text()
    owner, _, name = decoder.rpartition(".")
    owner = owner.rpartition(".")[2]
    # A class's method by class (TokenStore.from_json); a function by name (modules have aliases).
    pattern = rf"\b{owner}\.{name}\b" if owner[:1].isupper() else rf"\.{name}\b"
    assert re.search(pattern, source), f"{decoder} is not fuzzed"


def test_unaltered_handshakes_complete() -> None:
    for flags in (0, 1):  # classic, hybrid
        FUZZ._invite_run(bytes([flags]))  # asserts both sides paired with the same SAS
    FUZZ._verify_run(b"\x07")  # asserts both showed the same SAS and completed verified


def test_the_invite_run_notices_an_inviter_that_accepts_a_bad_finish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Break the inviter's last check (MAC_F): an altered M5 must then fail the harness."""
    real = invite_hs.InviterHandshake._on_finish

    def trusting(self: invite_hs.InviterHandshake, body: bytes) -> None:
        saved = invite_hs.hmac.compare_digest
        monkeypatch.setattr(invite_hs.hmac, "compare_digest", lambda _a, _b: True)
        try:
            real(self, body)
        finally:
            monkeypatch.setattr(invite_hs.hmac, "compare_digest", saved)

    monkeypatch.setattr(invite_hs.InviterHandshake, "_on_finish", trusting)
    m5_flipped = bytes([5 << 1 | 1]) + b"\x00\x00\x05\x01"
    with pytest.raises(AssertionError, match="the inviter paired on an altered run"):
        FUZZ._invite_run(m5_flipped)


def test_the_verify_run_notices_a_sas_that_ignores_the_messages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Break the SAS (the same whatever was exchanged): an altered KEY must fail the harness."""
    fixed = verify.derive_sas(b"\x01" * 32, purpose=b"x", id_a=b"a", id_b=b"b", transcript=b"t")
    monkeypatch.setattr(verify, "derive_sas", lambda *_args, **_kwargs: fixed)
    key_flipped = bytes([3]) + b"\x00\x00\x04\x01"
    with pytest.raises(AssertionError, match="equal SAS on an altered run"):
        FUZZ._verify_run(key_flipped)
