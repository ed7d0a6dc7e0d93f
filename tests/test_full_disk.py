"""A full disk and a read-only folder, for real: tmpfs mounts in a private
mount namespace (`unshare -rm`, no root needed). The program must say in
German what is wrong and leave no half-written file behind; an existing
weights file stays intact."""

import functools
import http.server
import os
import shutil
import subprocess
import threading

import pytest

from conftest import ROOT

SCRIPT = r"""
set -u
mount -t tmpfs -o size=96k tmpfs "$VOLL"
mount -t tmpfs -o ro,size=64k tmpfs "$NURLESEN"
printf 'alte Gewichte' > "$VOLL/gewichte.npz"
run() { name=$1; shift; "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; echo $? >"$OUT/$name.rc"; }
run save env ERSTES_NETZ_DATA="$DATEN" "$CLI" train --epochs 1 --hidden 50 --save "$VOLL/gewichte.npz"
run download_voll "$CLI" download --dir "$VOLL" --mirror "$QUELLE"
run download_ro "$CLI" download --dir "$NURLESEN"
run fashion_ro "$CLI" download --dir "$NURLESEN" --fashion
ls -A "$VOLL" > "$OUT/voll.ls"
ls -A "$NURLESEN" > "$OUT/nurlesen.ls"
cat "$VOLL/gewichte.npz" > "$OUT/alt.npz"
"""


def namespaces_work():
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """A local mirror whose mnist_train.csv (~470 kB) does not fit the 96 kB disk."""
    folder = tmp_path_factory.mktemp("spiegel")
    line = "5" + ",0" * 784 + "\n"
    (folder / "mnist_train.csv").write_text(line * 300)
    (folder / "mnist_test.csv").write_text(line)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def results(cli, bundled_only_dir, mirror, tmp_path_factory):
    if not namespaces_work():
        if os.environ.get("CI") == "true":
            pytest.fail("unshare -rm (Linux-Namensräume) geht hier nicht; der Test braucht es in CI")
        pytest.skip("unshare -rm (Linux-Namensräume) ist auf diesem Rechner nicht verfügbar")
    base = tmp_path_factory.mktemp("platte")
    dirs = {name: base / name for name in ("voll", "nurlesen", "out")}
    for d in dirs.values():
        d.mkdir()
    env = dict(
        os.environ,
        RUST_BACKTRACE="0",
        CLI=str(cli),
        DATEN=str(bundled_only_dir),
        QUELLE=mirror,
        VOLL=str(dirs["voll"]),
        NURLESEN=str(dirs["nurlesen"]),
        OUT=str(dirs["out"]),
    )
    subprocess.run(["unshare", "-rm", "sh", "-c", SCRIPT], env=env, check=True, cwd=ROOT, timeout=300)
    out = dirs["out"]

    def result(name):
        return int((out / f"{name}.rc").read_text()), (out / f"{name}.err").read_text()

    return result, out


def test_saving_weights_on_a_full_disk(results):
    result, out = results
    rc, err = result("save")
    assert rc == 1, err
    assert "Fehler: Kein Platz mehr auf dem Datenträger beim Schreiben von" in err, err
    assert "gewichte.npz" in err and "panicked" not in err and "drop failed" not in err, err
    # No temporary file left, the old weights untouched.
    assert (out / "voll.ls").read_text().split() == ["gewichte.npz"]
    assert (out / "alt.npz").read_text() == "alte Gewichte"


def test_download_onto_a_full_disk(results):
    result, out = results
    rc, err = result("download_voll")
    assert rc == 1, err
    assert "Kein Platz mehr auf dem Datenträger" in err and "mnist_train.csv" in err, err
    assert (out / "voll.ls").read_text().split() == ["gewichte.npz"]


@pytest.mark.parametrize("name", ["download_ro", "fashion_ro"])
def test_download_into_a_read_only_folder(results, name):
    result, out = results
    rc, err = result(name)
    assert rc == 1, err
    assert "Keine Berechtigung für" in err and "schreibgeschützt" in err, err
    assert "ERSTES_NETZ_DATA" in err, err
    assert (out / "nurlesen.ls").read_text() == ""
