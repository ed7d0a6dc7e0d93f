"""Picks rustc's incremental folder for a cell that calls the notebook's own functions.

    python -I -S cell_incremental.py INCREMENTAL NAME…   (called by cell-rustc.sh)

INCREMENTAL is the folder Cargo gave rustc (`-C incremental=…`), NAME… the
notebook's functions the cell calls (cell_functions.awk). Prints the folder to
use instead, or nothing to keep Cargo's.

Why: rustc keeps only the last build's incremental state. A function a student
defined is compiled only in cells that call it, so a cell that does not call
`forward_pass` drops it, and the next cell that does compiles it and its ndarray
code at opt-level 2 again (0.8–1.3 s in lesson 1). Cells that call the same
set of functions therefore share a folder of their own; a new set starts
from a copy of the folder whose set overlaps it most, or else of the newest
state. The choice only decides what rustc can reuse, as long as no folder is
left half-copied (see replace_cells_crate). Cells that call none of them keep
Cargo's folder.

    python -I -S cell_incremental.py INCREMENTAL   (a cell without own functions)

brings the state of the last cell with them into Cargo's folder, if that
cell was the one before.
"""

import os
import signal
import sys
import time

# It runs before the rustc of most cells: no `json` (a line-based index instead),
# and `shutil` (which brings `re` and `enum`) only where a folder is copied or
# removed. Both imports took 9 of the 16 ms the script needed to start.

# Folders kept per build folder (about 10 MB each); the least recently used goes.
MAX_FOLDERS = 8
CELLS_CRATE = "ctx"  # evcxr's name for the crate of the cells
LAST = "last"  # names the folder of the last cell with own functions, until the next cell without
PARTIAL = ".partial-"  # a copy into Cargo's folder before it is complete
INDEX = "index.tsv"  # which folder holds which set of names (read_index)


def choose(incremental, names, now=None):
    """The incremental folder for a cell that calls `names`, or None for Cargo's own.

    A cell without them (no `names`) right after one with them gets a copy of
    that cell's state in Cargo's folder first: the code for the notebook's
    variables changes from cell to cell, and the newest state has the most of it.
    """
    if not incremental:
        return None
    used = sorted(set(names))
    base = incremental.rstrip("/\\") + "-cells"
    last = os.path.join(base, LAST)
    if not used:
        newest = read_last(last)
        if newest:
            os.remove(last)
            replace_cells_crate(newest, incremental)
        return None
    os.makedirs(base, exist_ok=True)
    index_path = os.path.join(base, INDEX)
    index = read_index(index_path)
    key = index_key(used)
    if key not in index:
        import shutil

        taken = {v["dir"] for v in index.values()}
        name = next(f"f{n}" for n in range(1, len(taken) + 2) if f"f{n}" not in taken)
        folder = os.path.join(base, name)
        shutil.rmtree(folder, ignore_errors=True)
        overlap = lambda k: len(set(k.split()) & set(used))  # noqa: E731
        best = max(index, key=lambda k: (overlap(k), index[k]["used"]), default=None)
        # None of its functions compiled yet: start from the newest state (the
        # last cell's), whose code for the notebook's variables and common
        # ndarray calls is closest; an empty folder compiled all of it again.
        if best is not None and overlap(best):
            start = os.path.join(base, index[best]["dir"])
        else:
            start = read_last(last) or incremental
        try:
            # from Cargo's folder only the cells' crate, not other crates' folders
            shutil.copytree(start, folder, ignore=lambda d, names: [n for n in names if d == incremental and not n.startswith(CELLS_CRATE + "-")])
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)
        index[key] = {"dir": name}
        while len(index) > MAX_FOLDERS:
            oldest = min((k for k in index if k != key), key=lambda k: index[k]["used"])
            shutil.rmtree(os.path.join(base, index.pop(oldest)["dir"]), ignore_errors=True)
    index[key]["used"] = time.time() if now is None else now
    write_index(index_path, index)
    folder = os.path.join(base, index[key]["dir"])
    write_atomically(last, folder)
    return folder


def replace_cells_crate(source, incremental):
    """Cargo's folder gets the cells' crate state from `source` instead of its own.

    rustc checks its saved queries but only the presence of its saved object
    files, so a half-copied folder must never stay: the copies go in under
    temporary names first, and on any failure no state of the crate stays at all
    (rustc then compiles the cell from scratch).
    """
    import shutil

    crate = [n for n in os.listdir(source) if n.startswith(CELLS_CRATE + "-")]
    os.makedirs(incremental, exist_ok=True)
    try:
        for name in crate:
            shutil.rmtree(os.path.join(incremental, PARTIAL + name), ignore_errors=True)
            shutil.copytree(os.path.join(source, name), os.path.join(incremental, PARTIAL + name))
        for name in os.listdir(incremental):
            if name.startswith(CELLS_CRATE + "-"):
                shutil.rmtree(os.path.join(incremental, name))
        for name in crate:
            os.replace(os.path.join(incremental, PARTIAL + name), os.path.join(incremental, name))
    except BaseException:
        for name in os.listdir(incremental):
            if name.startswith((CELLS_CRATE + "-", PARTIAL)):
                shutil.rmtree(os.path.join(incremental, name), ignore_errors=True)
        raise


def index_key(names):
    """The index's key of a set of names: sorted, each once, separated by spaces."""
    return " ".join(sorted(set(names)))


def write_index(path, index):
    """Writes the index as read_index reads it."""
    write_atomically(path, "".join(f"{v['used']!r}\t{v['dir']}\t{k}\n" for k, v in index.items()))


def read_index(path):
    """The index of the folders: {names: {"dir": "f<n>", "used": time}}, empty if missing or broken.

    One line per set of names: the time of its last use, its folder, the names
    (space-separated), separated by tabs. A folder name is checked, for it is
    deleted when its set goes.
    """
    index = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f.read().splitlines():
                used, folder, key = line.split("\t")
                number = folder[1:]
                well_formed = folder[:1] == "f" and number.isascii() and number.isdigit()
                if not well_formed or not key or key != index_key(key.split(" ")) or key in index:
                    return {}
                index[key] = {"dir": folder, "used": float(used)}
    except (OSError, ValueError):
        return {}
    if len({v["dir"] for v in index.values()}) != len(index):
        return {}  # two sets in one folder: the first to go would take the other's
    return index


def read_last(last):
    """The folder of the last cell with own functions, or None."""
    try:
        with open(last, encoding="utf-8") as f:
            return f.read() or None
    except OSError:
        return None


def write_atomically(path, text):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main(argv):
    # Jupyter's interrupt reaches the kernel's whole process group: finish the copy.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        folder = choose(argv[0], argv[1:]) if argv else None
    except Exception:  # noqa: BLE001 – any failure: Cargo's own folder, as without this script
        folder = None
    if folder:
        print(folder)


if __name__ == "__main__":
    main(sys.argv[1:])
