"""Shared fixtures: the project root, the command line, the bundled data."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent / "reference"))

BUNDLED_TRAIN = ROOT / "data" / "bundled" / "mnist_train_8000.csv.gz"
BUNDLED_TEST = ROOT / "data" / "bundled" / "mnist_test_2000.csv.gz"


# `make test` runs the suite on two pytest-xdist workers, a file per worker at a
# time (`--dist loadfile`, so module fixtures such as an executed notebook run
# once). Files start slowest first, so that both workers end near the same time
# (durations of the fresh-clone CI run of 03.12.2026: notebooks 5.6 min,
# nbgrader 5.2 min, browser 4 min, the rest under 1.5 min each).
SLOWEST_FIRST = [
    "test_hub.py",  # on a new machine its set-up installs /opt/erstes-netz (5-6 min)
    "test_notebooks_kernel.py",
    "test_nbgrader.py",
    "test_browser.py",
    "test_kernel_faults.py",
    "test_progress_kernel.py",
    "test_cli.py",
    "test_kernel_profile.py",
    "test_kernel_cache.py",
]


def pytest_configure(config):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # Two workers on two cores: one compute thread each, for the course's
        # training (rayon) and numpy (OpenBLAS) in every kernel and program a
        # test starts, so that two workers do not put four busy threads on two
        # cores (not measured on its own: 15.0 min with, 15.7 min without, two
        # unpaired runs). The results do not depend on the number of threads (tested in
        # kernel::tests::result_does_not_depend_on_the_number_of_threads).
        for name in ("RAYON_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
            os.environ.setdefault(name, "1")
    config.addinivalue_line(
        "markers",
        "alone: measures time against itself (a lone run against three at once) and must not share "
        "the cores with other tests; `make test` runs these after the others, on their own "
        "(the rest of their file runs with the others)",
    )


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: order within a file stays


@pytest.fixture(scope="session")
def cli():
    """Path of `erstes-netz` in Cargo's dev profile (built once per test run).

    Built the way `cargo test` builds it, i.e. with the features the
    dev-dependencies add to shared crates (getrandom, rustix, ndarray): after
    the Rust tests of `make test` it is fresh and this costs a second. A plain
    `cargo build --bin erstes-netz` resolves other features and compiled seven
    crates again (36 s on an idle machine, 97 s beside another test, in a fresh
    clone on 03.12.2026). The dev profile of this workspace optimises the crate
    (opt-level 2, dependencies 3) and keeps debug assertions on: the same
    numbers as the release build, bit for bit, with stricter checks and about
    1.5× the time per epoch. `make bench` measures the release build."""
    # One integration test is enough: cargo builds the binaries for it.
    subprocess.run(
        ["cargo", "test", "--quiet", "--locked", "-p", "erstes_netz", "--no-run", "--test", "data_files"],
        cwd=ROOT,
        check=True,
    )
    return ROOT / "target" / "debug" / "erstes-netz"


@pytest.fixture(scope="session")
def bundled_only_dir(tmp_path_factory):
    """A data folder with only the bundled digits: tests see the same data
    even when a developer has put full MNIST into data/."""
    d = tmp_path_factory.mktemp("daten")
    (d / "bundled").symlink_to(ROOT / "data" / "bundled", target_is_directory=True)
    return d


@pytest.fixture(scope="session")
def run_cli(cli, bundled_only_dir):
    """Runs `erstes-netz` with the given arguments; returns the CompletedProcess."""

    def run(*args, check=True):
        env = dict(os.environ, RUST_BACKTRACE="0", ERSTES_NETZ_DATA=str(bundled_only_dir))
        done = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True, env=env)
        if check and done.returncode != 0:
            raise AssertionError(f"erstes-netz {' '.join(map(str, args))} failed:\n{done.stderr}")
        return done

    return run


def kernel_output(msg):
    """(text, error text) of one iopub message of a kernel, as a notebook would show them."""
    kind, content = msg["msg_type"], msg["content"]
    if kind == "stream":
        return content["text"], ""
    if kind in ("execute_result", "display_data"):
        return content["data"].get("text/plain", ""), ""
    if kind == "error":
        return "", content.get("evalue", "") + "\n".join(content.get("traceback", []))
    return "", ""


def json_lines(stdout):
    return [json.loads(line) for line in stdout.splitlines()]


@pytest.fixture(scope="session")
def bundled():
    """The bundled digits as the lesson reads them: (train_labels, train_images, test_labels, test_images)."""
    from lesson_numpy import load_csv

    train_labels, train_images = load_csv(BUNDLED_TRAIN)
    test_labels, test_images = load_csv(BUNDLED_TEST)
    return train_labels, train_images, test_labels, test_images
