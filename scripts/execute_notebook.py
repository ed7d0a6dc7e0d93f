#!/usr/bin/env python3
"""Runs a lesson notebook headless with the real Rust kernel (evcxr) and checks it.

    python scripts/execute_notebook.py notebooks/loesungen/01_erstes_netz.ipynb \
        --out build/01_erstes_netz_loesung.ipynb --html build/01_erstes_netz_loesung.html

The kernel runs in the notebook's folder (so `:dep … path = "../../crates/…"`
resolves). The executed copy goes to --out; the committed notebook is never
written. evcxr reports a panic as success, so the check scans every output:
it fails on error outputs, on any "panicked at", on check cells without ✅,
and on figure cells without a PNG image.
"""

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent / "kernel"))
import start_kernel  # noqa: E402

KERNEL = "rust"


def output_text(output):
    """All text of one output (streams, plain text results, error messages)."""
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}\n" + "\n".join(output.traceback)
    return output.get("data", {}).get("text/plain", "")


def cell_text(cell):
    return "".join(output_text(o) for o in cell.get("outputs", []))


def execute(nb, cwd, allow_errors=False, timeout=None):
    """Executes `nb` in place with the Rust kernel, working directory `cwd`."""
    env_backtrace = os.environ.get("RUST_BACKTRACE")
    os.environ["RUST_BACKTRACE"] = "0"
    try:
        client = NotebookClient(
            nb,
            kernel_name=KERNEL,
            timeout=timeout,
            startup_timeout=120,
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(cwd)}},
        )
        client.execute()
    finally:
        if env_backtrace is None:
            os.environ.pop("RUST_BACKTRACE", None)
        else:
            os.environ["RUST_BACKTRACE"] = env_backtrace
    return nb


def problems(nb):
    """German descriptions of everything wrong in an executed solution notebook."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        text = cell_text(cell)
        first_line = cell.source.splitlines()[0] if cell.source else ""
        where = f"Zelle {index} ({first_line[:60]})"
        if any(o.output_type == "error" for o in cell.outputs):
            found.append(f"{where}: Fehlerausgabe\n{text[:2000]}")
        if "panicked" in text:
            found.append(f"{where}: Abbruch (panic)\n{text[:2000]}")
        if "check" in tags and ("✅" not in text or "❌" in text or "✏️" in text):
            found.append(f"{where}: Prüfzelle nicht bestanden\n{text[:2000]}")
        if "figure" in tags and not any("image/png" in o.get("data", {}) for o in cell.outputs):
            found.append(f"{where}: kein Bild (image/png) in der Ausgabe")
    return found


def kernel_cache():
    """The folder of the course kernel's builds and cache (as scripts/kernel/start_kernel.py computes it)."""
    return start_kernel.kernel_base()


def stale_cache_entries(cache):
    """Entries of the kernel's store (`cache`/store) that are unfinished or name vanished files.

    evcxr's :cache hands back a crate's dep-info as it was written; for crates
    whose build script generates sources (serde_core, thiserror) it names files
    in the build folder of the kernel that compiled the crate first. When that
    folder is gone, Cargo sees a missing input and compiles the crate – and
    everything that depends on it – again in every cell. Entries made by the
    warm-up below name files in its persistent folder and stay valid.
    """
    return start_kernel.stale_entries(cache / "store")


def warm(notebook):
    """Runs the notebook's first cell in the persistent warm-up folder: fills the kernel's store."""
    cache = kernel_cache()
    start_kernel.harvest(cache)
    stale = stale_cache_entries(cache)
    if stale and start_kernel.removable_alone(cache / "store", stale) == stale:
        # Typically the course crate of a clone deleted since: nothing else was
        # compiled against it, so the rest of the store stays.
        print(f"{len(stale)} veraltete Einträge im Übersetzungs-Cache (etwa aus einem gelöschten Klon) entfernt.")
        for entry in stale:
            shutil.rmtree(entry, ignore_errors=True)
    elif stale:
        # Removing only the stale entries would keep crates compiled against
        # them, which no longer fit once those are compiled anew: start over.
        print(f"{len(stale)} veraltete Einträge im Übersetzungs-Cache: er wird neu aufgebaut (einige Minuten).")
        for folder in ["store", "warm"]:
            shutil.rmtree(cache / folder, ignore_errors=True)
    elif not any((cache / "store").glob("*/stderr")):
        # An empty store beside an old warm-up build: Cargo would find the build
        # up to date and compile nothing, so nothing would reach the store.
        shutil.rmtree(cache / "warm", ignore_errors=True)
    (cache / "warm").mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [next(c for c in nb.cells if c.cell_type == "code")]
    previous = os.environ.get("EVCXR_TMPDIR")
    os.environ["EVCXR_TMPDIR"] = str(cache / "warm")
    (cache / "kernels").mkdir(exist_ok=True)
    before = set((cache / "kernels").iterdir())
    try:
        execute(nb, notebook.resolve().parent, allow_errors=True)
    finally:
        if previous is None:
            os.environ.pop("EVCXR_TMPDIR")
        else:
            os.environ["EVCXR_TMPDIR"] = previous
    # What the kernel compiled goes into the store for every later kernel, once the
    # kernel and its child processes have ended (they hold the lock of its folder).
    for _ in range(120):
        start_kernel.harvest(cache)
        if not set((cache / "kernels").iterdir()) - before:
            break
        time.sleep(0.5)
    return problems(nb)


def write_html(nb, path):
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    path.write_text(body, encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Führt ein Notebook mit dem Rust-Kernel aus und prüft es.")
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--out", type=Path, help="ausgeführte Kopie hierhin schreiben (.ipynb)")
    parser.add_argument("--html", type=Path, help="ausgeführte Kopie als HTML schreiben")
    parser.add_argument(
        "--warm", action="store_true", help="nur die erste Codezelle ausführen (übersetzt die Bibliotheken vorab)"
    )
    args = parser.parse_args(argv)

    if args.warm:
        found = warm(args.notebook)
        print("Rust-Kernel vorbereitet." if not found else "\n".join(found))
        return 1 if found else 0
    nb = nbformat.read(args.notebook, as_version=4)
    execute(nb, args.notebook.resolve().parent, allow_errors=True)
    for target, write in [(args.out, lambda p: nbformat.write(nb, p)), (args.html, lambda p: write_html(nb, p))]:
        if target:
            target.parent.mkdir(parents=True, exist_ok=True)
            write(target)
            print(f"geschrieben: {target}")
    found = problems(nb)
    for p in found:
        print(f"❌ {p}", file=sys.stderr)
    if not found:
        print(f"✅ {args.notebook}: alle Zellen ohne Fehler, alle Prüfungen bestanden, alle Bilder da.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
