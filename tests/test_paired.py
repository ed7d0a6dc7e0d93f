"""scripts/paired.py, the tool behind the README's side-by-side timings: it runs A and B
in turn, times each from outside, and reports a failed run instead of a figure for it."""

import re
import subprocess
import sys

from conftest import ROOT

PAIRED = [sys.executable, str(ROOT / "scripts" / "paired.py")]


def test_runs_a_and_b_in_turn_and_gives_the_ratio(tmp_path):
    log = tmp_path / "paired.log"
    done = subprocess.run(
        [*PAIRED, "-n", "2", "--log", str(log), "--vs", "sleep 0.01", "--", "sleep", "0.3"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    order = re.findall(r"Paar \d (A|B)", done.stdout)
    assert order == ["A", "B", "A", "B"], done.stdout
    ratio = float(re.search(r"A/B wall je Paar: median ([\d.]+)", done.stdout).group(1))
    assert ratio > 1.5, done.stdout  # 0.3 s against 0.01 s, start-up included
    assert "A schneller in 0 von 2 Paaren" in done.stdout
    assert log.read_text().count("$ sleep") == 4


def test_a_failing_command_fails_the_call_and_names_the_log(tmp_path):
    log = tmp_path / "paired.log"
    done = subprocess.run(
        [*PAIRED, "-n", "1", "--log", str(log), "--vs", "true", "--", "sh", "-c", "echo kaputt; exit 3"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "exit 3" in done.stdout and str(log) in done.stderr
    assert "kaputt" in log.read_text()


def test_no_pairs_is_refused_with_a_message(tmp_path):
    done = subprocess.run(
        [*PAIRED, "-n", "0", "--log", str(tmp_path / "p.log"), "--vs", "true", "--", "true"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "-n muss mindestens 1 sein" in done.stderr and "gefunden: -n 0" in done.stderr
    assert not (tmp_path / "p.log").exists()
