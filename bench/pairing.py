#!/usr/bin/env python3
"""Benchmark: invite → join → SAS confirm with real daemons, and attacks on it.

1. Two real ``peerup daemon`` processes on loopback: one opens an invite (POST invite, streamed),
   the other joins with the code (POST join), the inviter confirms the SAS (POST invite/confirm).
   Each run's joiner is a fresh daemon with a fresh identity, so every run includes the new
   connection (started before the clock starts). Time from opening the invite to the
   confirmation, median of 10 runs (3 with --quick). Bar: 2 s. The suite reported is the one
   the joins negotiated.
2. Randomized trials (default 1000; 300 with --quick) of the /peerup/invite/2.0.0 state machines
   in-process with real crypto (SPAKE2, ML-KEM-768, HKDF, ChaCha20-Poly1305): half with a wrong
   code (random password), half with a tampered message (a flipped byte anywhere in M1-M5, a
   truncation, a message replayed from another run, or the hybrid suite stripped from the offer).
   A trial counts as accepted if a side completes after receiving an altered message or with a
   wrong password. Bar: zero.
3. A few of the wrong-code trials over the real daemons (3 per run: the third burns the code).
4. A parallel attack on a real invite (3 per run, 1 with --quick): Mallory, a raw py-libp2p
   host (tests/hostile/attacker.py) with three identities (two source addresses), opens 200
   handshakes with wrong passwords at once and holds them in flight, then tries the right
   password. Each M2 she receives is one guess checked offline (its MAC says whether her
   password was right). Bars: no handshake of hers accepted, at most 3 guesses checked and
   counted per invite.

The last line is one JSON object: invite_join_sas_s (cold connections), suite (negotiated),
trials, wrong_accepted, tampered_accepted, parallel_guesses_accepted, max_guesses_counted (the
inviter's count of failed attempts after the attack), max_guesses_checked (M2s Mallory got).

Usage: python bench/pairing.py [--quick] [--trials N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import trio

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.api.client import open_local_client  # noqa: E402
from app.api.errors import ApiError  # noqa: E402
from app.core.codes.invitecode import InviteCode, parse_invite_code  # noqa: E402
from app.core.errors import PairingError  # noqa: E402
from app.core.ids.peerid import PeerId  # noqa: E402
from app.core.pairing.invite import (  # noqa: E402
    SUITE_CLASSIC,
    FrameBuffer,
    InviterHandshake,
    JoinerHandshake,
)
from app.engine import compat  # noqa: E402
from tests.helpers.daemons import DaemonProcess, start_daemon  # noqa: E402
from tests.helpers.nodes import make_node_dir  # noqa: E402
from tests.hostile.attacker import Attacker, Guess, open_attacker  # noqa: E402

INVITE_ID = b"\x07" * 8
PARALLEL = 200


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


async def pair_once(a: DaemonProcess, b: DaemonProcess) -> tuple[float, str]:
    """One invite → join → SAS confirm; returns the time and the suite the join negotiated."""
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
        return time.perf_counter() - start, result.suite


def cold_pairings(root: Path, a: DaemonProcess, runs: int) -> tuple[list[float], set[str]]:
    """``runs`` pairings, each with a fresh joiner daemon (a new identity, a new connection)."""
    times: list[float] = []
    suites: set[str] = set()
    for n in range(runs):
        b = start_daemon(make_node_dir(root, f"laptop{n}"))
        try:
            elapsed, suite = asyncio.run(pair_once(a, b))
        finally:
            b.stop()
        times.append(elapsed)
        suites.add(suite)
    return times, suites


@dataclass
class Attack:
    """What one parallel attack on one invite got."""

    checked: int  # M2s Mallory received: guesses she could check offline
    accepted: int  # her handshakes the inviter accepted
    counted: int  # failed attempts the inviter counted
    burned: bool


async def _mallory(code: InviteCode, parallel: int) -> tuple[list[Guess], Guess]:
    """Mallory's side (trio, in a worker thread): ``parallel`` wrong guesses, then the right one."""
    peer = str(code.inviter)
    address = code.direct_addresses[0]
    async with open_attacker() as m1, open_attacker() as m2, open_attacker() as m3:
        mallories: list[Attacker] = []
        for mallory, source in ((m1, "127.0.0.2"), (m2, "127.0.0.2"), (m3, "127.0.0.3")):
            with contextlib.suppress(Exception):  # refused: she attacks with fewer
                await mallory.connect(peer, address, source=source)
                mallories.append(mallory)
        if not mallories:
            raise SystemExit("the inviter admitted none of Mallory's identities")
        answered: list[Guess] = []
        hold = trio.Event()
        async with trio.open_nursery() as nursery:
            for i in range(parallel):
                nursery.start_soon(
                    lambda m: m.guess(
                        peer, code.invite_id, os.urandom(10), answered=answered, hold=hold
                    ),
                    mallories[i % len(mallories)],
                )
            with trio.fail_after(60):
                while len(answered) < parallel:  # noqa: ASYNC110 - all in flight, or refused
                    await trio.sleep(0.05)
            right = await mallories[0].guess(peer, code.invite_id, code.password)
            hold.set()
        return answered, right


async def parallel_attack(a: DaemonProcess, parallel: int) -> Attack:
    """One invite on ``a``, attacked by Mallory with ``parallel`` handshakes plus the right one."""
    async with open_local_client(a.endpoint) as inviter:
        stream = inviter.invite(name="home", ttl=120)
        counted, burned, joined = 0, False, False
        try:
            first = await anext(stream)
            code = parse_invite_code(first.code or "")
            answered, right = await asyncio.to_thread(trio.run, _mallory, code, parallel)
            checked = sum(g is not Guess.REFUSED for g in answered)
            # Her guesses fail as soon as she lets go of them: read what the inviter counted.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(10):
                    async for line in stream:
                        if line.kind in ("attempt-failed", "burned"):
                            counted = line.failures
                        burned |= line.kind == "burned"
                        joined |= line.kind == "joined"
                        if line.final or counted >= checked:
                            break
        finally:
            await stream.aclose()
    # Only Mallory joins this invite: a "joined" line is hers too.
    accepted = max(sum(g is Guess.JOINED for g in [*answered, right]), int(joined))
    return Attack(checked, accepted, counted, burned)


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
    parser.add_argument("--quick", action="store_true", help="fewer runs (< 1 min)")
    parser.add_argument("--trials", type=int, default=None, help="randomized trials (1000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    trials = args.trials if args.trials is not None else (300 if args.quick else 1000)
    runs = 3 if args.quick else 10
    attacks = 1 if args.quick else 3
    rng = random.Random(args.seed)
    compat.install()  # Mallory's host runs in this process
    # Her host's py-libp2p logs every protocol the inviter refuses her (identify, …): not news.
    logging.getLogger("libp2p").setLevel(logging.CRITICAL)

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
        b = start_daemon(make_node_dir(root, "mallory-code"))
        try:
            times, suites = cold_pairings(root, a, runs)
            real_trials, real_accepted, burned = asyncio.run(real_wrong_codes(a, b))
            results = [asyncio.run(parallel_attack(a, PARALLEL)) for _ in range(attacks)]
        finally:
            a.stop()
            b.stop()
    median = statistics.median(times)
    print(f"invite → join → SAS confirm (real daemons, loopback, a cold connection each run): "
          f"median {median:.3f} s, max {max(times):.3f} s over {runs} runs; "
          f"suite {', '.join(sorted(suites))}")  # fmt: skip
    print(f"wrong codes over real daemons: {real_trials}, accepted {real_accepted}, "
          f"code burned after them: {burned}")  # fmt: skip
    for n, attack in enumerate(results, 1):
        print(f"parallel attack {n}: {PARALLEL} wrong handshakes + the right one: "
              f"{attack.checked} guesses checked, {attack.counted} counted by the inviter, "
              f"accepted {attack.accepted}, burned {attack.burned}")  # fmt: skip
    print(
        json.dumps(
            {
                "invite_join_sas_s": round(median, 3),
                "invite_join_sas_max_s": round(max(times), 3),
                "cold_runs": runs,
                "suite": ", ".join(sorted(suites)),
                "trials": trials,
                "wrong_accepted": wrong_accepted + real_accepted,
                "tampered_accepted": tampered_accepted,
                "real_wrong_trials": real_trials,
                "burned_after_3": burned,
                "parallel_attacks": attacks,
                "parallel_guesses_accepted": sum(r.accepted for r in results),
                "max_guesses_counted": max(r.counted for r in results),
                "max_guesses_checked": max(r.checked for r in results),
            }
        )
    )


if __name__ == "__main__":
    main()
