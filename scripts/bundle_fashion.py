#!/usr/bin/env python3
"""Builds data/bundled/fashion_{train_8000,test_2000}.csv.gz from Fashion-MNIST, byte for byte.

The source is the original Fashion-MNIST distribution (Zalando Research), as
shipped by the Debian/Ubuntu package dataset-fashion-mnist in
/usr/share/datasets/fashion-mnist (or any folder with the four IDX files).
Both sets of Fashion-MNIST are already shuffled and balanced, so the first
8,000 training and the first 2,000 test pictures are taken as they are. The
result is the lesson's CSV format (label, 784 pixels, no header),
gzip-compressed without a timestamp. Only the Python standard library is needed.

    python3 scripts/bundle_fashion.py [--idx /usr/share/datasets/fashion-mnist] [--out data/bundled]
"""

import argparse
import gzip
import hashlib
import io
import struct
import sys
from pathlib import Path

PARTS = [
    ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 8000, "fashion_train_8000.csv.gz"),
    ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 2000, "fashion_test_2000.csv.gz"),
]
# SHA-256 of the decompressed IDX files of the original distribution.
SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


def read(folder: Path, name: str) -> bytes:
    for path in [folder / f"{name}.gz", folder / name]:
        if path.is_file():
            raw = path.read_bytes()
            data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            digest = hashlib.sha256(data).hexdigest()
            if digest != SHA256[name]:
                sys.exit(f"{path}: SHA-256 der entpackten Daten {digest}, erwartet {SHA256[name]}")
            return data
    sys.exit(f"{folder}: {name}(.gz) fehlt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idx", type=Path, default=Path("/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--out", type=Path, default=Path(__file__).parent.parent / "data" / "bundled")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for images_name, labels_name, count, out_name in PARTS:
        images, labels = read(args.idx, images_name), read(args.idx, labels_name)
        magic, n, rows, cols = struct.unpack(">IIII", images[:16])
        assert magic == 0x803 and rows * cols == 784 and n >= count
        lines = []
        for i in range(count):
            pixels = images[16 + i * 784 : 16 + (i + 1) * 784]
            lines.append(f"{labels[8 + i]}," + ",".join(map(str, pixels)) + "\n")
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buf, mtime=0) as gz:
            gz.write("".join(lines).encode("ascii"))
        path = args.out / out_name
        path.write_bytes(buf.getvalue())
        print(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {out_name}  ({count} Bilder)")


if __name__ == "__main__":
    main()
