#!/usr/bin/env python3
"""Registers the course's Rust kernel with Jupyter as "rust".

    python3 scripts/kernel/install_kernelspec.py [--evcxr PATH] [--prefix DIR]

`evcxr_jupyter --install` writes its kernelspec (logos, kernel.js); this script
then adds start-kernel.sh and cargo-config.toml beside it and points
kernel.json at the script, which starts evcxr_jupyter with the course's build
profile. With --prefix (e.g. /usr/local) the kernelspec goes to
PREFIX/share/jupyter/kernels/rust for all users instead of the user's own.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evcxr", default=shutil.which("evcxr_jupyter"), help="Pfad von evcxr_jupyter")
    parser.add_argument("--prefix", type=Path, help="für alle Nutzer: Kernel nach PREFIX/share/jupyter/kernels/rust")
    args = parser.parse_args(argv)
    if not args.evcxr:
        sys.exit("evcxr_jupyter nicht gefunden – erst scripts/install_kernel.sh ausführen.")
    evcxr = str(Path(args.evcxr).resolve())

    done = subprocess.run([evcxr, "--install"], capture_output=True, text=True, check=True)
    written = re.search(r"Writing (.*)kernel\.json", done.stdout)
    if not written:
        sys.exit(f"evcxr_jupyter --install hat keinen Kernel geschrieben:\n{done.stdout}{done.stderr}")
    user_dir = Path(written.group(1))
    kernel_dir = user_dir
    if args.prefix:
        kernel_dir = args.prefix / "share" / "jupyter" / "kernels" / "rust"
        shutil.copytree(user_dir, kernel_dir, dirs_exist_ok=True)
        shutil.rmtree(user_dir)  # one "rust" kernel only: the one for all users
    for name in ["start-kernel.sh", "cargo-config.toml"]:
        shutil.copy(HERE / name, kernel_dir / name)
    spec = json.loads((kernel_dir / "kernel.json").read_text())
    spec["argv"] = ["/bin/sh", str(kernel_dir / "start-kernel.sh"), evcxr, "--control_file", "{connection_file}"]
    tmp = kernel_dir / "kernel.json.tmp"
    tmp.write_text(json.dumps(spec, indent=2) + "\n")
    tmp.replace(kernel_dir / "kernel.json")
    print(f"Rust-Kernel „rust“ eingerichtet: {kernel_dir}")


if __name__ == "__main__":
    main()
