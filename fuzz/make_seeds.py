#!/usr/bin/env python3
"""Writes the fuzzers' start inputs (seeds/): small valid files of each format.

    .venv/bin/python fuzz/make_seeds.py

Valid inputs let libFuzzer reach the deep parts of the loaders at once; it
mutates them into broken ones itself. The IDX seeds use the fuzz target's
input layout: two bytes (little endian) with the length of the images part,
then the images file, then the labels file.
"""

import gzip
import io
import struct
from pathlib import Path

import numpy as np

SEEDS = Path(__file__).resolve().parent / "seeds"


def write(target, name, data):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def csv_line(label, pixels):
    return (",".join(str(v) for v in [label, *pixels]) + "\n").encode()


def main():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(2, 784))
    two = csv_line(3, pixels[0]) + csv_line(7, pixels[1])
    write("csv", "zwei_zeilen.csv", two)
    write("csv", "zwei_zeilen.csv.gz", gzip.compress(two, mtime=0))
    write("csv", "kommazahlen.csv", csv_line("1.0", [f"{p}.0" for p in pixels[0]]))

    n, rows, cols = 3, 2, 2
    images = struct.pack(">IIII", 0x803, n, rows, cols) + bytes(range(n * rows * cols))
    labels = struct.pack(">II", 0x801, n) + bytes([0, 5, 9])

    def idx_input(images, labels):
        return struct.pack("<H", len(images)) + images + labels

    write("idx", "drei_bilder", idx_input(images, labels))
    write("idx", "drei_bilder_gz", idx_input(gzip.compress(images, mtime=0), labels))

    w = [rng.standard_normal((3, 4)), rng.standard_normal((2, 3))]
    b = [rng.standard_normal(3), rng.standard_normal(2)]
    for name, save in [("netz.npz", np.savez), ("netz_komprimiert.npz", np.savez_compressed)]:
        out = io.BytesIO()
        save(out, W0=w[0], W1=w[1], b0=b[0], b1=b[1])
        write("npz", name, out.getvalue())


if __name__ == "__main__":
    main()
