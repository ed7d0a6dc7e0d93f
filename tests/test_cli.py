"""The command line `erstes-netz`: training on the bundled digits, progress,
saving and resuming, and German errors instead of panics."""

import re

import numpy as np
import pytest

from conftest import BUNDLED_TEST, BUNDLED_TRAIN, ROOT, json_lines


@pytest.fixture(scope="module")
def fifty_epochs(run_cli):
    """The lesson's run: seed 1234, hidden 300, lr 0.1, 50 epochs, bundled data."""
    return json_lines(run_cli("train", "--seed", "1234", "--json").stdout)


def test_training_on_bundled_digits_beats_chance_by_far(fifty_epochs):
    assert len(fifty_epochs) == 50
    first, last = fifty_epochs[0], fifty_epochs[-1]
    assert 0.05 < first["test_accuracy"] < 0.2  # untrained: about chance (10 %)
    assert last["test_accuracy"] > 0.6
    assert last["accuracy"] > 0.6
    assert last["loss"] < first["loss"] - 0.5
    assert all(r["seconds"] > 0 for r in fifty_epochs)


def test_readme_states_the_numbers_the_program_prints(fifty_epochs):
    """README: 'Epoche 50: Loss 1,58 … Trainings-Accuracy 72,6 % … Test-Accuracy 71,9 %'."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(
        r"Epoche 50: Loss (\d+,\d+), Trainings-Accuracy (\d+,\d) %, Test-Accuracy (\d+,\d) %",
        readme,
    )
    assert m, "README lacks the line with the results of the 50-epoch run"
    loss, acc, test_acc = (float(g.replace(",", ".")) for g in m.groups())
    last = fifty_epochs[-1]
    assert round(last["loss"], 2) == loss
    assert round(100 * last["accuracy"], 1) == acc
    assert round(100 * last["test_accuracy"], 1) == test_acc


def test_human_readable_progress_per_epoch(run_cli):
    out = run_cli("train", "--epochs", "3").stdout
    assert "mitgelieferte MNIST-Ziffern" in out and "8.000 Trainings- und 2.000 Testbilder" in out
    lines = [l for l in out.splitlines() if l.startswith("Epoche")]
    assert [l.split()[1] for l in lines] == ["1/3", "2/3", "3/3"]
    assert all("Test-Accuracy" in l for l in lines)


def test_json_mode_keeps_stdout_machine_readable(run_cli):
    done = run_cli("train", "--epochs", "2", "--json")
    rows = json_lines(done.stdout)  # fails on any non-JSON line
    assert set(rows[0]) == {"epoch", "loss", "accuracy", "test_loss", "test_accuracy", "seconds"}
    assert "Daten:" in done.stderr


def test_resuming_from_saved_weights_continues_the_run(run_cli, tmp_path):
    """Two epochs, save, one more from the file == the third epoch of one run."""
    three = json_lines(run_cli("train", "--epochs", "3", "--json").stdout)
    saved = tmp_path / "nach2.npz"
    run_cli("train", "--epochs", "2", "--save", saved)
    resumed = json_lines(run_cli("train", "--epochs", "1", "--init", saved, "--json").stdout)
    for key in ["loss", "accuracy", "test_loss", "test_accuracy"]:
        assert resumed[0][key] == three[2][key], key


def test_saved_weights_are_numpy_readable(run_cli, tmp_path):
    out = tmp_path / "w.npz"
    run_cli("train", "--epochs", "1", "--hidden", "20", "--save", out)
    f = np.load(out)
    assert f["W0"].shape == (20, 784) and f["W1"].shape == (10, 20)
    assert f["b0"].shape == (20,) and f["b1"].shape == (10,)


def test_idx_files_are_accepted(run_cli, tmp_path):
    """Bundled CSV rows rewritten as IDX files train like the CSV."""
    import gzip

    def to_idx(csv_path, stem):
        rows = np.loadtxt(gzip.open(csv_path, "rt"), delimiter=",", dtype=np.uint8, max_rows=300)
        images = tmp_path / f"{stem}-images-idx3-ubyte.gz"
        labels = tmp_path / f"{stem}-labels-idx1-ubyte.gz"
        n = len(rows)
        images.write_bytes(gzip.compress(b"\0\0\x08\x03" + np.array([n, 28, 28], ">u4").tobytes() + rows[:, 1:].tobytes()))
        labels.write_bytes(gzip.compress(b"\0\0\x08\x01" + np.array([n], ">u4").tobytes() + rows[:, 0].tobytes()))
        csv = tmp_path / f"{stem}.csv"
        np.savetxt(csv, rows, fmt="%d", delimiter=",")
        return images, csv

    train_idx, train_csv = to_idx(BUNDLED_TRAIN, "train")
    test_idx, test_csv = to_idx(BUNDLED_TEST, "t10k")
    by_idx = json_lines(run_cli("train", "--train", train_idx, "--test", test_idx, "--epochs", "2", "--json").stdout)
    by_csv = json_lines(run_cli("train", "--train", train_csv, "--test", test_csv, "--epochs", "2", "--json").stdout)
    for a, b in zip(by_idx, by_csv, strict=True):
        assert a["loss"] == b["loss"] and a["test_accuracy"] == b["test_accuracy"]


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["train", "--lr", "schnell"], 2, "--lr erwartet eine Zahl"),
        (["train", "--epochs", "-1"], 2, "--epochs erwartet eine ganze Zahl"),
        (["train", "--hidden", "0"], 2, "--hidden muss mindestens 1 sein"),
        (["train", "--train", "x.csv"], 2, "--train und --test nur zusammen"),
        (["train", "--bunt"], 2, "unbekannte Option --bunt"),
        (["fliegen"], 2, "unbekannter Befehl „fliegen“"),
        (["train", "--train", "/nicht/da.csv", "--test", "/nicht/da2.csv"], 1, "Datei nicht gefunden: /nicht/da.csv"),
        (["train", "--init", "/nicht/da.npz"], 1, "Datei nicht gefunden: /nicht/da.npz"),
    ],
)
def test_mistakes_give_german_errors_not_panics(run_cli, args, code, message):
    done = run_cli(*args, check=False)
    assert done.returncode == code, done.stderr
    assert message in done.stderr
    assert "panicked" not in done.stderr


def test_init_with_other_hidden_size_is_refused(run_cli, tmp_path):
    out = tmp_path / "w.npz"
    run_cli("train", "--epochs", "0", "--hidden", "20", "--save", out)
    done = run_cli("train", "--init", out, "--hidden", "30", check=False)
    assert done.returncode == 1
    assert "--hidden 30 passt nicht" in done.stderr


def test_broken_data_file_names_line_and_column(run_cli, tmp_path):
    bad = tmp_path / "kaputt.csv"
    good = "1" + ",0" * 784 + "\n"
    bad.write_text(good + "2" + ",0" * 500 + ",x" + ",0" * 283 + "\n")
    done = run_cli("train", "--train", bad, "--test", bad, check=False)
    assert done.returncode == 1
    assert "kaputt.csv, Zeile 2, Spalte 502: erwartet eine Zahl, gefunden „x“" in done.stderr


def test_help_is_german(run_cli):
    out = run_cli("help").stdout
    assert "Aufruf:" in out and "--seed N" in out and "--json" in out
