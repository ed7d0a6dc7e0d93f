"""Öffnet und schließt fortwährend Verbindungen zum Rust-Kernel, bis er nicht mehr antwortet.

jupyter_server „stupst“ einen Kernel bei jeder neuen Websocket-Verbindung an: Es öffnet eigene,
kurzlebige Shell- und Control-Verbindungen, schickt `kernel_info_request` und schließt sie
wieder. Dieses Skript macht dasselbe in einer Schleife (und lässt alle paar Runden über die
dauerhafte Verbindung eine Zelle rechnen), um das gelegentliche Hängen von evcxr_jupyter 0.22
nachzustellen (README, „Der Kernel antwortet gar nicht“). Diagnose, kein Test:

    python scripts/kernel/stress_connections.py --seconds 300
"""

import argparse
import os
import queue
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from execute_notebook import KERNEL  # noqa: E402


def still_answers(kc, timeout):
    """Whether a cell sent over the lasting connection gets its reply within `timeout` seconds."""
    msg_id = kc.execute("1 + 1")
    deadline = time.time() + timeout
    while True:
        try:
            reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
        except queue.Empty:
            return False
        if reply["parent_header"].get("msg_id") == msg_id:
            return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120, help="so lange höchstens")
    parser.add_argument("--timeout", type=float, default=10, help="Sekunden bis „keine Antwort“")
    parser.add_argument("--kernel", default=KERNEL)
    args = parser.parse_args()

    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=args.kernel)
    km.start_kernel(cwd=os.getcwd(), env=dict(os.environ, RUST_BACKTRACE="0"))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        session, start, rounds = km.session, time.time(), 0
        while time.time() - start < args.seconds:
            shell, control = km.connect_shell(), km.connect_control()
            session.send(shell, "kernel_info_request", {})
            session.send(control, "kernel_info_request", {})
            answered = [bool(c.poll(args.timeout * 1000)) for c in (shell, control)]
            shell.close(linger=0)
            control.close(linger=0)
            if not all(answered):
                gone = " und ".join(n for n, a in zip(["Shell", "Control"], answered) if not a)
                print(f"Keine Antwort auf neuen {gone}-Verbindungen nach {rounds} Runden ({time.time() - start:.0f} s).")
                print(f"Die dauerhafte Verbindung rechnet noch: {'ja' if still_answers(kc, args.timeout) else 'nein'}.")
                fresh = km.connect_shell()
                session.send(fresh, "kernel_info_request", {})
                print(f"Eine weitere neue Shell-Verbindung antwortet: {'ja' if fresh.poll(args.timeout * 1000) else 'nein'}.")
                fresh.close(linger=0)
                sys.exit(1)
            rounds += 1
            if rounds % 5 == 0 and not still_answers(kc, 60):
                sys.exit(f"Zelle ohne Antwort nach {rounds} Runden ({time.time() - start:.0f} s).")
        print(f"Kein Hänger: {rounds} Runden in {time.time() - start:.0f} s.")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
