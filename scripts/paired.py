#!/usr/bin/env python3
"""Times two commands in turn (A B A B …) and prints medians and the ratio A/B per pair.

    python scripts/paired.py -n 3 --vs "B-Befehl …" -- A-Befehl …

Pairing keeps the ratio meaningful on a machine whose speed drifts (this VM's
does, by ±15 % within minutes). Each run's wall time is measured from outside,
start-up included; user and system seconds are the operating system's account
of the finished child and everything it waited for (resource.getrusage). The
commands' output goes to --log (appended) so that a failing run can be read.
Nothing here judges: it prints figures, and exits 1 only when a run failed.
"""

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time


def run(cmd, log, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with open(log, "a") as out:
        out.write(f"\n$ {shlex.join(cmd)}\n")
        out.flush()
        code = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env).returncode
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return code, wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime


def spread(values, unit="s"):
    return f"{statistics.median(values):.2f} {unit} ({min(values):.2f}–{max(values):.2f})"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Zwei Befehle abwechselnd messen (A B A B …).")
    parser.add_argument("-n", type=int, default=3, help="Paare")
    parser.add_argument("--warmup", type=int, default=0, help="ungezählte Paare vorweg")
    parser.add_argument("--vs", required=True, help="Befehl B (Vergleich), wie in einer Shell geschrieben")
    parser.add_argument("--log", default="build/bench/paired.log", help="Ausgaben beider Befehle (angehängt)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- Befehl A …")
    args = parser.parse_args(argv)
    a = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not a:
        parser.error("Befehl A fehlt (nach --)")
    if args.n < 1 or args.warmup < 0:
        parser.error(f"-n muss mindestens 1 sein und --warmup mindestens 0 (gefunden: -n {args.n}, --warmup {args.warmup})")
    b = shlex.split(args.vs)
    os.makedirs(os.path.dirname(args.log) or ".", exist_ok=True)
    env = dict(os.environ)
    rows = {"A": [], "B": []}
    failed = False
    for i in range(args.warmup + args.n):
        for name, cmd in (("A", a), ("B", b)):
            code, wall, user, system = run(cmd, args.log, env)
            failed |= code != 0
            if i >= args.warmup:
                rows[name].append((wall, user, system))
            print(f"  {'Aufwärmen' if i < args.warmup else f'Paar {i - args.warmup + 1}'} {name}: {wall:.2f} s"
                  f" (user {user:.2f} s, sys {system:.2f} s, exit {code})", flush=True)
    for name, cmd in (("A", a), ("B", b)):
        walls, users, systems = zip(*rows[name])
        print(f"{name}: wall {spread(walls)}, user {spread(users)}, sys {spread(systems)}   {shlex.join(cmd)}")
    ratios = [wa / wb for (wa, _, _), (wb, _, _) in zip(rows["A"], rows["B"])]
    print(f"A/B wall je Paar: median {statistics.median(ratios):.3f} (Spanne {min(ratios):.3f}–{max(ratios):.3f}),"
          f" A schneller in {sum(r < 1 for r in ratios)} von {len(ratios)} Paaren")
    if failed:
        print(f"Mindestens ein Lauf endete mit Fehler; Ausgaben in {args.log}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
