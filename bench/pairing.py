#!/usr/bin/env python3
"""Benchmark: invite → join → SAS confirm with real daemons, and randomized attacks on it.

1. Two real ``peerup daemon`` processes on loopback: one opens an invite (POST invite, streamed),
   the other joins with the code (POST join), the inviter confirms the SAS (POST invite/confirm).
   Time from opening the invite to the confirmation, median of 10 runs (3 with --quick). Bar: 2 s.
2. Randomized trials (default 1000; 300 with --quick) of the /peerup/invite/2.0.0 state machines
   in-process with real crypto (SPAKE2, ML-KEM-768, HKDF, ChaCha20-Poly1305): half with a wrong
   code (random password), half with a tampered message (a flipped byte anywhere in M1-M5, a
   truncation, a message replayed from another run, or the hybrid suite stripped from the offer).
   A trial counts as accepted if a side completes after receiving an altered message or with a
   wrong password. Bar: zero.
3. A few of the wrong-code trials over the real daemons (3 per run: the third burns the code).

The last line is one JSON object with invite_join_sas_s, trials, wrong_accepted, tampered_accepted.

Usage: python bench/pairing.py [--quick] [--trials N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.api.client import open_local_client  # noqa: E402
from app.api.errors import ApiError  # noqa: E402
from app.core.codes.invitecode import InviteCode, parse_invite_code  # noqa: E402
from app.core.errors import PairingError  # noqa: E402
from app.core.ids.peerid import PeerId  # noqa: E402
from app.core.pairing.invite import (  # noqa: E402
    SUITE_CLASSIC,
    SUITE_HYBRID,
    FrameBuffer,
    InviterHandshake,
    JoinerHandshake,
)
from tests.helpers.daemons import DaemonProcess, start_daemon  # noqa: E402
from tests.helpers.nodes import make_node_dir  # noqa: E402

INVITE_ID = b"\x07" * 8


def _body(framed: bytes | None) -> bytes:
    assert framed is not None
    (body,) = FrameBuffer().feed(framed)
    return body


def _pair(password: bytes, joiner_password: bytes, joiner: PeerId, inviter: PeerId):  # type: ignore[no-untyped-def]
    j = JoinerHandshake(
        password=joiner_password, invite_id=INVITE_ID, own=joiner, inviter=inviter,
        name="laptop", now=0.0,
    )  # fmt: skip
    i = InviterHandshake(
        password=password, invite_id=INVITE_ID, own=inviter, joiner=joiner, name="home",
        services=["ssh"], now=0.0,
    )  # fmt: skip
    return j, i


def _strip_hybrid(hello: bytes) -> bytes:
    pos = 2 + len(INVITE_ID)
    count = hello[pos]
    pos += 1
    for _ in range(count):
        pos += 1 + hello[pos]
    size = int.from_bytes(hello[pos : pos + 2], "big")
    pake = hello[pos + 2 : pos + 2 + size]
    classic = SUITE_CLASSIC.encode()
    return (
        hello[: 2 + len(INVITE_ID)] + bytes([1, len(classic)]) + classic
        + size.to_bytes(2, "big") + pake + b"\x00\x00"
    )  # fmt: skip


def tamper_trial(rng: random.Random, recorded: list[bytes]) -> bool:
    """One run with one altered message; True if a side accepted an altered message."""
    joiner_id = PeerId.from_ed25519_public_key(rng.randbytes(32))
    inviter_id = PeerId.from_ed25519_public_key(rng.randbytes(32))
    password = rng.randbytes(10)
    j, i = _pair(password, password, joiner_id, inviter_id)
    target = rng.randint(1, 5)
    mode = rng.choice(["flip", "flip", "truncate", "replay", "downgrade"])
    if mode == "downgrade":
        target = 1

    def deliver(number: int, body: bytes) -> bytes:
        if number != target:
            return body
        if mode == "flip":
            index = rng.randrange(len(body))
            return body[:index] + bytes([body[index] ^ rng.randint(1, 255)]) + body[index + 1 :]
        if mode == "truncate":
            return body[: rng.randrange(1, len(body))] if len(body) > 1 else body + b"\x00"
        if mode == "downgrade":
            return _strip_hybrid(body)
        old = recorded[number - 1] if len(recorded) >= number else b"\x00"
        return old if old != body else old + b"\x00"

    sent: list[bytes] = []
    try:
        m1 = _body(j.start())
        sent.append(m1)
        m2 = i.receive(deliver(1, m1), 1.0)
        sent.append(_body(m2))
        m3 = j.receive(deliver(2, _body(m2)), 1.0)
        sent.append(_body(m3))
        m4 = i.receive(deliver(3, _body(m3)), 1.0)
        sent.append(_body(m4))
        m5 = j.receive(deliver(4, _body(m4)), 1.0)
        sent.append(_body(m5))
        i.receive(deliver(5, _body(m5)), 1.0)
    except PairingError:
        pass
    recorded[:] = sent if len(sent) == 5 else recorded
    # The receiver of message ``target`` and everyone after it must have refused.
    receiver_accepted = i.outcome is not None if target % 2 == 1 else j.outcome is not None
    return receiver_accepted or (target < 5 and (i.outcome is not None or j.outcome is not None))


def wrong_code_trial(rng: random.Random) -> bool:
    """One run with a wrong password; True if either side accepted."""
    joiner_id = PeerId.from_ed25519_public_key(rng.randbytes(32))
    inviter_id = PeerId.from_ed25519_public_key(rng.randbytes(32))
    password = rng.randbytes(10)
    wrong = bytearray(password)
    wrong[rng.randrange(10)] ^= 1 << rng.randrange(8)
    if rng.random() < 0.5:
        wrong = bytearray(rng.randbytes(10))
    j, i = _pair(password, bytes(wrong), joiner_id, inviter_id)
    try:
        m2 = i.receive(_body(j.start()), 1.0)
        m3 = j.receive(_body(m2), 1.0)
        m4 = i.receive(_body(m3), 1.0)
        m5 = j.receive(_body(m4), 1.0)
        i.receive(_body(m5), 1.0)
    except PairingError:
        pass
    return i.outcome is not None or j.outcome is not None


async def pair_once(a: DaemonProcess, b: DaemonProcess) -> float:
    async with open_local_client(a.endpoint) as inviter, open_local_client(b.endpoint) as joiner:
        start = time.perf_counter()
        stream = inviter.invite(name="home", ttl=60)
        try:
            first = await anext(stream)
            assert first.code is not None
            result = await joiner.join(first.code, name="laptop")
            async for line in stream:
                if line.kind == "joined":
                    assert line.sas == result.sas, (line.sas, result.sas)
                    break
                if line.final:
                    raise SystemExit(f"invite ended with {line.kind}")
        finally:
            await stream.aclose()
        await inviter.confirm_invite(b.node.peer_id)
        return time.perf_counter() - start


async def real_wrong_codes(a: DaemonProcess, b: DaemonProcess) -> tuple[int, int, bool]:
    """Three wrong codes against a real invite; returns (trials, accepted, burned)."""
    accepted = 0
    async with open_local_client(a.endpoint) as inviter, open_local_client(b.endpoint) as joiner:
        stream = inviter.invite(name="home", ttl=60)
        burned = False
        try:
            first = await anext(stream)
            code = parse_invite_code(first.code or "")
            for _ in range(3):
                forged = InviteCode(
                    invite_id=code.invite_id, password=os.urandom(10),
                    expires_at=code.expires_at, inviter=code.inviter,
                    namespace=code.namespace, addresses=code.addresses,
                )  # fmt: skip
                try:
                    await joiner.join(forged.text(), name="mallory")
                    accepted += 1
                except ApiError:
                    pass
            async for line in stream:
                if line.kind == "burned":
                    burned = True
                    break
                if line.final:
                    break
        finally:
            await stream.aclose()
    return 3, accepted, burned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (< 40 s)")
    parser.add_argument("--trials", type=int, default=None, help="randomized trials (1000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    trials = args.trials if args.trials is not None else (300 if args.quick else 1000)
    runs = 3 if args.quick else 10
    rng = random.Random(args.seed)

    started = time.perf_counter()
    wrong_accepted = tampered_accepted = 0
    recorded: list[bytes] = []
    for n in range(trials):
        if n % 2 == 0:
            wrong_accepted += wrong_code_trial(rng)
        else:
            tampered_accepted += tamper_trial(rng, recorded)
    trials_s = time.perf_counter() - started
    print(f"{trials} randomized trials in {trials_s:.1f} s: wrong accepted {wrong_accepted}, "
          f"tampered accepted {tampered_accepted}")  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="bench-pairing-") as tmp:
        root = Path(tmp)
        a = start_daemon(make_node_dir(root, "home", services={"ssh": "127.0.0.1:22"}))
        b = start_daemon(make_node_dir(root, "laptop"))
        try:
            times = [asyncio.run(pair_once(a, b)) for _ in range(runs)]
            real_trials, real_accepted, burned = asyncio.run(real_wrong_codes(a, b))
        finally:
            a.stop()
            b.stop()
    median = statistics.median(times)
    print(f"invite → join → SAS confirm (real daemons, loopback): median {median:.3f} s, "
          f"max {max(times):.3f} s over {runs} runs")  # fmt: skip
    print(f"wrong codes over real daemons: {real_trials}, accepted {real_accepted}, "
          f"code burned after them: {burned}")  # fmt: skip
    print(
        json.dumps(
            {
                "invite_join_sas_s": round(median, 3),
                "invite_join_sas_max_s": round(max(times), 3),
                "trials": trials,
                "wrong_accepted": wrong_accepted + real_accepted,
                "tampered_accepted": tampered_accepted,
                "real_wrong_trials": real_trials,
                "burned_after_3": burned,
                "suite": SUITE_HYBRID,
            }
        )
    )


if __name__ == "__main__":
    main()
