#!/usr/bin/env python3
"""Registers the course's Rust kernel with Jupyter as "rust".

    python3 scripts/kernel/install_kernelspec.py [--evcxr PATH] [--prefix DIR]
        [--toolchain DIR] [--shared-store DIR] [--vendor DIR]

`evcxr_jupyter --install` writes its kernelspec (logos, kernel.js); this script
then adds start_kernel.py, its cell helpers, the course's Cargo.lock and
cargo-config.toml beside it and points kernel.json at the script, which starts
evcxr_jupyter with the course's build profile. With --prefix (e.g.
/opt/erstes-netz/venv) the kernelspec goes to
PREFIX/share/jupyter/kernels/rust for all users; the user's own kernelspec is
left as it is. For a JupyterHub (scripts/hub/): --toolchain is the Rust
toolchain every kernel uses, --shared-store the evcxr cache built at set-up
that every user's kernel reads, --vendor the crate sources (`cargo vendor`)
every build takes instead of downloading them.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from start_kernel import HELPERS, PROXY  # noqa: E402 – the scripts the cells' rustc wrapper runs, the proxy


def vendor_config(vendor):
    return (
        "\n# Crate sources for every user from one folder made by `cargo vendor`:\n"
        "# no downloads, and the same paths (so the same cache keys) for everyone.\n"
        '[source.crates-io]\nreplace-with = "erstes-netz-vendor"\n\n'
        f'[source.erstes-netz-vendor]\ndirectory = "{vendor}"\n'
    )


def evcxr_kernelspec(evcxr, scratch):
    """Runs `evcxr_jupyter --install` with its data folder in `scratch`; returns the folder written."""
    env = {**os.environ, "XDG_DATA_HOME": str(scratch)}
    done = subprocess.run([evcxr, "--install"], capture_output=True, text=True, check=True, env=env)
    written = re.search(r"Writing (.*)kernel\.json", done.stdout)
    if not written:
        sys.exit(f"evcxr_jupyter --install hat keinen Kernel geschrieben:\n{done.stdout}{done.stderr}")
    return Path(written.group(1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evcxr", default=shutil.which("evcxr_jupyter"), help="Pfad von evcxr_jupyter")
    parser.add_argument("--prefix", type=Path, help="für alle Nutzer: Kernel nach PREFIX/share/jupyter/kernels/rust")
    parser.add_argument("--toolchain", type=Path, help="Rust-Toolchain (Ordner mit bin/cargo) für alle Kernel")
    parser.add_argument("--shared-store", type=Path, action="append", default=[], help="gemeinsamer Übersetzungs-Cache")
    parser.add_argument("--vendor", type=Path, help="Ordner von `cargo vendor` statt crates.io")
    parser.add_argument("--python", default=sys.executable, help="Python, das start_kernel.py ausführt")
    parser.add_argument(
        "--proxy", action="store_true", help="evcxr hinter einem Verbindungs-Proxy starten (braucht pyzmq in --python)"
    )
    args = parser.parse_args(argv)
    if not args.evcxr:
        sys.exit("evcxr_jupyter nicht gefunden – erst scripts/install_kernel.sh ausführen.")
    evcxr = str(Path(args.evcxr).resolve())

    with tempfile.TemporaryDirectory() as scratch:
        if args.prefix:
            written = evcxr_kernelspec(evcxr, scratch)
            kernel_dir = args.prefix / "share" / "jupyter" / "kernels" / "rust"
            tmp_dir = kernel_dir.with_name(".rust.neu")
            shutil.rmtree(tmp_dir, ignore_errors=True)
            shutil.copytree(written, tmp_dir)
        else:
            # evcxr's own place for the user's kernelspec (~/.local/share/jupyter/kernels/rust)
            data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
            kernel_dir = evcxr_kernelspec(evcxr, data_home)
            tmp_dir = kernel_dir
        for script in ["start_kernel.py", PROXY, *HELPERS]:
            shutil.copy(HERE / script, tmp_dir / script)
        # The versions the course tests, for every kernel's build folder (start_kernel.course_lock).
        shutil.copy(HERE.parent.parent / "Cargo.lock", tmp_dir / "Cargo.lock")
        profile = (HERE / "cargo-config.toml").read_text(encoding="utf-8")
        if args.vendor:
            profile += vendor_config(args.vendor.resolve())
        (tmp_dir / "cargo-config.toml").write_text(profile, encoding="utf-8")
        conf = {}
        if args.toolchain:
            conf["toolchain"] = str(args.toolchain.resolve())
        if args.shared_store:
            conf["shared_stores"] = [str(s) for s in args.shared_store]
        if args.proxy:
            conf["proxy"] = True
        (tmp_dir / "kurs.json").unlink(missing_ok=True)
        if conf:
            (tmp_dir / "kurs.json").write_text(json.dumps(conf, indent=2) + "\n", encoding="utf-8")
        spec = json.loads((tmp_dir / "kernel.json").read_text())
        spec["argv"] = [args.python, str(kernel_dir / "start_kernel.py"), evcxr, "--control_file", "{connection_file}"]
        (tmp_dir / "kernel.json.tmp").write_text(json.dumps(spec, indent=2) + "\n")
        (tmp_dir / "kernel.json.tmp").replace(tmp_dir / "kernel.json")
        if tmp_dir != kernel_dir:
            old = kernel_dir.with_name(".rust.alt")
            shutil.rmtree(old, ignore_errors=True)
            if kernel_dir.exists():
                kernel_dir.rename(old)
            tmp_dir.rename(kernel_dir)
            shutil.rmtree(old, ignore_errors=True)
        for path in [kernel_dir, *kernel_dir.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    print(f"Rust-Kernel „rust“ eingerichtet: {kernel_dir}")


if __name__ == "__main__":
    main()
