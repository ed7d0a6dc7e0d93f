#!/usr/bin/env python3
"""Sizing of a class on one server: what one student costs, and the first cell with many.

    sudo python3 scripts/bench_hub.py [--studierende 5]      (make bench-hub)

Needs the installation of scripts/hub/install_hub.sh. Creates temporary accounts
ennetz-b1 … ennetz-bN (removed at the end) and measures, each as that user:

* the first cell of lesson 1 (wall-clock and CPU time of kernel and compiler):
  student 1 alone, student N alone after the others, all N at once, and student 1
  again without the shared compile cache (ERSTES_NETZ_SHARED_STORES="");
* the peak memory (RSS, all processes of the account) while a student runs the
  solution of lesson 1 and of lesson 2, the memory of the kernel that stays after the
  lesson (what an idle student with an open notebook holds), the lesson's wall-clock
  time, and the memory of the student's Jupyter server alone.

Prints a Markdown table for the README.
"""

import argparse
import json
import os
import pwd
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PREFIX = Path(os.environ.get("ERSTES_NETZ_PREFIX", "/opt/erstes-netz"))
SHARED = Path(os.environ.get("ERSTES_NETZ_SHARED_CACHE", "/var/cache/erstes-netz"))
VENV = PREFIX / "venv" / "bin"
LESSONS = ["01_erstes_netz", "02_weiterfuehrend"]


def first_cell(notebook):
    """Run as the student: executes the notebook's first code cell; prints wall and CPU seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [next(c for c in nb.cells if c.cell_type == "code")]
    started = time.monotonic()
    NotebookClient(nb, kernel_name="rust", timeout=1800, shutdown_kernel="graceful").execute()
    wall = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    errors = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "ok": not errors}))


def tree_rss_mib(pid):
    """Summed RSS of a process and all its descendants, in MiB."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def whole_lesson(notebook):
    """Run as the student: executes every cell; prints wall seconds and the idle kernel's RSS."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.util import run_sync

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, kernel_name="rust", timeout=1800, resources={"metadata": {"path": str(Path(notebook).parent)}})
    started = time.monotonic()
    client.execute(cleanup_kc=False)  # keep the kernel: its memory after the lesson is what a class holds
    wall = time.monotonic() - started
    time.sleep(3)
    idle = tree_rss_mib(client.km.provisioner.process.pid)
    run_sync(client.km.shutdown_kernel)(now=False)  # an async manager: a bare call would not stop it
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "idle_mib": idle}))


def as_user(user, *cmd, env=None):
    home = pwd.getpwnam(user).pw_dir
    base = {"HOME": home, "USER": user, "LANG": "C.UTF-8", "PATH": f"{VENV}:{PREFIX / 'rust' / 'bin'}:/usr/bin:/bin"}
    base.update(env or {})
    return subprocess.run(
        ["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in base.items()], *map(str, cmd)],
        cwd=home, capture_output=True, text=True, check=True,
    )


def peak_rss(user, run):
    """Runs run() and samples the summed RSS of all processes of `user`; returns (result, peak MiB)."""
    uid = pwd.getpwnam(user).pw_uid
    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            total = 0
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    text = status.read_text()
                except OSError:
                    continue
                fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
                if int(fields.get("Uid", "-1").split()[0]) == uid and "VmRSS" in fields:
                    total += int(fields["VmRSS"].split()[0])
            peak[0] = max(peak[0], total)
            done.wait(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = run()
    finally:
        done.set()
        sampler.join()
    return result, peak[0] / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studierende", type=int, default=5)
    parser.add_argument("--erste-zelle", type=Path, help=argparse.SUPPRESS)  # the parts run as a student
    parser.add_argument("--lektion", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.erste_zelle:
        return first_cell(args.erste_zelle)
    if args.lektion:
        return whole_lesson(args.lektion)
    if os.geteuid() != 0 or not (VENV / "jupyter").exists():
        sys.exit("Bitte als root nach scripts/hub/install_hub.sh ausführen.")

    users = [f"ennetz-b{i}" for i in range(1, args.studierende + 1)]
    scratch = Path(tempfile.mkdtemp(prefix="bench-hub-"))
    scratch.chmod(0o755)
    script = scratch / "bench_hub.py"
    shutil.copy(__file__, script)
    course = SHARED / "vorlage" / "source"
    try:
        for user in users:
            subprocess.run(["userdel", "-r", user], capture_output=True)
            subprocess.run(["useradd", "-m", "-K", "HOME_MODE=0700", "-G", "erstes-netz-studierende", user], check=True)
        notebooks = {}
        for user in users:
            home = Path(pwd.getpwnam(user).pw_dir)
            for lesson in LESSONS:
                shutil.copy(course / lesson / f"{lesson}.ipynb", home / f"{lesson}.ipynb")
                shutil.chown(home / f"{lesson}.ipynb", user, user)
            notebooks[user] = home / f"{LESSONS[0]}.ipynb"

        def cell(user, env=None):
            out = as_user(user, VENV / "python", script, "--erste-zelle", notebooks[user], env=env).stdout
            result = json.loads(out.strip().splitlines()[-1])
            assert result["ok"], f"{user}: erste Zelle mit Fehler"
            return result

        rows = []
        first = cell(users[0])
        rows.append(("Erste Zelle, Studentin 1 allein", first))
        for user in users[1:-1]:
            cell(user)
        rows.append((f"Erste Zelle, Studentin {len(users)} allein (nach den anderen)", cell(users[-1])))
        for user in users:  # a fresh per-user state for the concurrent run
            shutil.rmtree(Path(pwd.getpwnam(user).pw_dir) / ".cache" / "erstes-netz", ignore_errors=True)
        with ThreadPoolExecutor(len(users)) as pool:
            together = list(pool.map(cell, users))
        rows.append((f"Erste Zelle, alle {len(users)} zugleich (Median / langsamste)", {
            "wall": statistics.median(r["wall"] for r in together), "cpu": statistics.median(r["cpu"] for r in together),
            "max": max(r["wall"] for r in together)}))
        shutil.rmtree(Path(pwd.getpwnam(users[0]).pw_dir) / ".cache" / "erstes-netz", ignore_errors=True)
        rows.append(("Erste Zelle, Studentin 1 ohne gemeinsamen Cache", cell(users[0], env={"ERSTES_NETZ_SHARED_STORES": ""})))

        memory = []
        for lesson in LESSONS:
            nb = Path(pwd.getpwnam(users[1]).pw_dir) / f"{lesson}.ipynb"
            out, mib = peak_rss(users[1], lambda: as_user(users[1], VENV / "python", script, "--lektion", nb).stdout)
            result = json.loads(out.strip().splitlines()[-1])
            memory.append((f"Lektion {lesson[:2]}: Kernel und Übersetzer einer Studentin, Höchstwert", mib))
            memory.append((f"Lektion {lesson[:2]}: Kernel danach (offenes Notebook, ruhend)", result["idle_mib"]))
            rows.append((f"Ganze Lektion {lesson[:2]} (Lösung), allein", result))
        server = subprocess.Popen(
            ["runuser", "-u", users[2], "--", "env", "-i", f"HOME={pwd.getpwnam(users[2]).pw_dir}", f"PATH={VENV}:/usr/bin:/bin",
             str(VENV / "jupyter"), "lab", "--no-browser", "--port=0", "--ServerApp.token=x"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, mib = peak_rss(users[2], lambda: time.sleep(15))
        server.terminate()
        server.wait(30)
        memory.append(("Jupyter-Server einer Studentin (JupyterLab, ohne Kernel)", mib))
    finally:
        for user in users:
            subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
        time.sleep(1)
        for user in users:
            subprocess.run(["userdel", "-r", user], capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\n{os.cpu_count()} Kerne, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB\n")
    print("| was | Zeit | CPU-Zeit |\n|---|---|---|")
    for name, r in rows:
        extra = f" / {r['max']:.1f} s" if "max" in r else ""
        print(f"| {name} | {r['wall']:.1f} s{extra} | {r['cpu']:.1f} s |")
    print("\n| Speicher (RSS) | MiB |\n|---|---|")
    for name, mib in memory:
        print(f"| {name} | {mib:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
