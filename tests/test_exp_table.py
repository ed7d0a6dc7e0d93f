"""The table of glibc's exp in the course crate is exactly what its generator
computes, and the generator's check notices an edited table."""

import shutil
import subprocess
import sys

from conftest import ROOT

GENERATOR = ROOT / "scripts" / "gen_exp_table.py"
TABLE = "crates/erstes_netz/src/kernel/exp_table.rs"


def run(root, *args):
    return subprocess.run([sys.executable, str(root / "scripts" / "gen_exp_table.py"), *args], capture_output=True, text=True)


def test_committed_table_matches_the_generator():
    done = run(ROOT, "--check")
    assert done.returncode == 0, done.stderr


def test_check_fails_on_an_edited_table(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(GENERATOR, tmp_path / "scripts")
    table = tmp_path / TABLE
    table.parent.mkdir(parents=True)
    text = (ROOT / TABLE).read_text()
    # one entry's last hex digit changed
    edited = text.replace("0x3feff63da9fb3335", "0x3feff63da9fb3336")
    assert edited != text
    table.write_text(edited)
    done = run(tmp_path, "--check")
    assert done.returncode == 1
    assert "passt nicht" in done.stderr and "gen_exp_table.py" in done.stderr
    assert run(tmp_path).returncode == 0 and table.read_text() == text
