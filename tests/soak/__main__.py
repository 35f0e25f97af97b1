"""``python -m tests.soak``: run the soak in the NAT lab and print its report.

``--quick`` is the bounded version `make test` runs (one pass over five faults, ~3 min);
``--minutes N`` repeats a round of eight faults until N minutes have passed (``make soak``).
The last line is one JSON object (the Bar's keys first); the exit status is 1 when the run
misses issue 16's Bar, 2 when it could not run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.lab.netlab import unavailable_reason
from tests.soak.harness import (
    QUICK_FAULTS,
    ROUND_FAULTS,
    SCENARIOS,
    Fault,
    Options,
    SoakError,
    bar_failures,
    run_soak,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.soak", description=__doc__.splitlines()[0]
    )
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--quick", action="store_true", help="one pass over five faults (~3 min)")
    length.add_argument("--minutes", type=float, default=10.0, help="repeat faults this long (10)")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default=None,
                        help="basic: a direct and a relayed pair (--quick's); punched: "
                             "also a hole-punched pair (the default)")  # fmt: skip
    parser.add_argument(
        "--conns", type=int, default=60, help="concurrent connections per pair (60)"
    )
    parser.add_argument("--rate", type=int, default=32, help="KiB/s per connection (32)")
    parser.add_argument(
        "--fault",
        action="append",
        default=None,
        metavar="KIND[:HOME]",
        help="a fault to run (repeatable; default: the built-in round)",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep logs here")
    args = parser.parse_args(argv)
    reason = unavailable_reason()
    if reason:
        print(f"the soak cannot run here: {reason}", file=sys.stderr)
        return 2
    if args.conns < 1 or args.rate < 1 or args.minutes < 0:
        parser.error("--conns, --rate must be positive and --minutes not negative")
    scenario = SCENARIOS[args.scenario or ("basic" if args.quick else "punched")]
    try:
        faults = tuple(Fault.parse(f) for f in args.fault) if args.fault else None
    except ValueError as exc:
        parser.error(str(exc))
    if faults is None:
        faults = QUICK_FAULTS if args.quick else ROUND_FAULTS
    homes = set(scenario.homes)
    for fault in faults:
        if fault.target is not None and fault.target not in homes:
            known = ", ".join(sorted(homes))
            parser.error(f"fault {fault}: no home {fault.target!r} in this scenario ({known})")
    opts = Options(scenario=scenario, faults=faults, minutes=0.0 if args.quick else args.minutes,
                   conns=args.conns, rate=args.rate << 10, workdir=args.workdir)  # fmt: skip
    if not args.quick:
        opts.gap_s, opts.outage_s = 10.0, 8.0
    try:
        report = run_soak(opts)
    except SoakError as exc:
        print(f"the soak could not run: {exc}", file=sys.stderr)
        return 2
    summary = report.summary()
    failures = bar_failures(summary)
    for failure in failures:
        print(f"  MISSES THE BAR: {failure}")
    if not failures:
        print("  meets the Bar")
    print(json.dumps(summary), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
