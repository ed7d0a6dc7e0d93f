#!/usr/bin/env python3
"""Two builds of the command line side by side, step by step: `--profile`, alternating runs.

    python scripts/paired_profile.py --vorher PFAD [--nachher PFAD] [--runs 10] [--epochs 8] [--daten fashion|mnist]

Runs `erstes-netz train … --profile` of the two programs in turn (vorher,
nachher, vorher, nachher, …) on the same data, so that a slow minute of the
machine hits both alike. Each run's step table (mean of the epochs from the
second on) is read; printed per step are the median over the runs for both
programs and the median of the run-by-run ratios nachher/vorher, then the
sum per pair and whether the last epoch's loss and accuracy agree.

--vorher is an `erstes-netz` binary built from another checkout (e.g.
`git worktree add /tmp/vorher <commit> && cargo build --release` there);
--nachher defaults to this checkout's release build, built first. The data
are those of `make bench`: Fashion-MNIST from the Debian package
`dataset-fashion-mnist`, or the bundled MNIST digits tiled to 60,000 images.
"""

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import FASHION, prepare_mnist_tiled, release_cli  # noqa: E402

SUM = "Summe der Schritte"


def profile_steps(output):
    """ms per epoch of each step of an `erstes-netz train --profile` output, in order, with the sum."""
    lines = output[output.index("Zeit je Rechenschritt"):].splitlines()[2:]
    steps = {}
    for line in lines:
        if line.startswith(SUM):
            steps[SUM] = float(line.split()[-1])
            break
        # name, calls, ms per epoch, share, …: the name may contain single spaces
        m = re.match(r"(.+?)\s{2,}(\d+)\s+([\d.]+)\s", line)
        if m:
            steps[m.group(1).strip()] = float(m.group(3))
    if SUM not in steps:
        raise ValueError("keine Zeile „Summe der Schritte“ im Profil")
    return steps


def last_epoch(output):
    """The last `Epoche …` line: loss and accuracy as printed, without the time."""
    line = [line for line in output.splitlines() if line.startswith("Epoche")][-1]
    return re.sub(r"\s*\([\d.]+ s\)$", "", line)


def table(before, after):
    """Markdown rows: per step the medians of both programs' runs and the median
    of the pair-by-pair ratios; steps in order of appearance, the sum last, and
    "–" where only one program has a step."""
    rows = ["| Schritt | vorher | nachher | nachher/vorher (Median der Paare) |", "|---|---|---|---|"]
    steps = list(dict.fromkeys([*before[0], *after[0]]))
    steps.append(steps.pop(steps.index(SUM)))
    for step in steps:
        a = [r.get(step) for r in before]
        b = [r.get(step) for r in after]
        ms = lambda v: f"{statistics.median(v):.1f}" if None not in v else "–"  # noqa: E731
        both = None not in a and None not in b and all(x > 0 for x in a)
        ratio = f"{statistics.median(y / x for x, y in zip(a, b)):.3f}" if both else "–"
        rows.append(f"| {step} | {ms(a)} | {ms(b)} | {ratio} |")
    return rows


def data_args(which):
    if which == "fashion":
        if not FASHION.is_dir():
            sys.exit("Fashion-MNIST fehlt: sudo apt install dataset-fashion-mnist")
        return ["--train", FASHION / "train-images-idx3-ubyte.gz", "--test", FASHION / "t10k-images-idx3-ubyte.gz"]
    _, (train, test) = prepare_mnist_tiled()
    return ["--train", train, "--test", test]


def main():
    parser = argparse.ArgumentParser(description="Zwei Builds der Kommandozeile abwechselnd, Schritt für Schritt.")
    parser.add_argument("--vorher", required=True, type=Path, help="erstes-netz des Vergleichsstands")
    parser.add_argument("--nachher", type=Path, help="erstes-netz dieses Stands (Vorgabe: Release-Build hier)")
    parser.add_argument("--runs", type=int, default=10, help="Paare von Läufen")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--daten", choices=["fashion", "mnist"], default="fashion")
    args = parser.parse_args()
    programs = {"vorher": args.vorher, "nachher": args.nachher or release_cli()}
    common = [*data_args(args.daten), "--epochs", str(args.epochs), "--lr", "0.1", "--profile"]
    runs = {"vorher": [], "nachher": []}
    ends = set()
    for r in range(args.runs):
        for name, program in programs.items():
            out = subprocess.run([program, "train", *common], capture_output=True, text=True, check=True).stdout
            runs[name].append(profile_steps(out))
            ends.add(last_epoch(out))
            print(f"Lauf {r + 1}/{args.runs} {name}: {runs[name][-1][SUM]:.1f} ms", flush=True)
    print(f"\n{args.daten}, {args.runs} Paare zu {args.epochs} Epochen, ms je Epoche (Median der Läufe):\n")
    print("\n".join(table(runs["vorher"], runs["nachher"])))
    faster = sum(b[SUM] < a[SUM] for a, b in zip(runs["vorher"], runs["nachher"]))
    print(f"\nnachher schneller in {faster} von {args.runs} Paaren.")
    print("Letzte Epoche in allen Läufen gleich." if len(ends) == 1 else "Letzte Epoche verschieden:\n" + "\n".join(sorted(ends)))


if __name__ == "__main__":
    main()
