"""The connection proxy in front of evcxr_jupyter (scripts/kernel/kernel_proxy.py).

Without it, evcxr_jupyter 0.22 stopped answering new shell connections after
2,900-4,230 short-lived connections in five of five runs (as jupyter_server
opens them for every websocket); the hub test met such hung kernels at start.
Here a kernelspec with the proxy switched on must:
- run cells and deliver their output (iopub through the proxy);
- answer 8,000 short-lived shell and control connections, each one;
- take evcxr with it when the proxy is killed (no orphaned kernel);
- give evcxr ports from below the range Linux hands out by itself (a port from
  inside it was once taken before evcxr could bind it).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = [
    pytest.mark.skipif(shutil.which("evcxr_jupyter") is None, reason="evcxr_jupyter fehlt – `make setup` installiert es"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="der Proxy-Test liest /proc"),
]
zmq = pytest.importorskip("zmq")

KERNEL = ROOT / "scripts" / "kernel"
sys.path.insert(0, str(KERNEL))
import kernel_proxy  # noqa: E402
import start_kernel  # noqa: E402 – which files a kernelspec holds beside it


@pytest.fixture
def proxied_kernel(tmp_path, monkeypatch):
    spec = tmp_path / "kernels" / "rust-proxy"
    spec.mkdir(parents=True)
    for name in ["start_kernel.py", start_kernel.PROXY, *start_kernel.HELPERS, "cargo-config.toml"]:
        shutil.copy(KERNEL / name, spec / name)
    evcxr = str(Path(shutil.which("evcxr_jupyter")).resolve())
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, str(spec / "start_kernel.py"), evcxr, "--control_file", "{connection_file}"],
                "display_name": "Rust (Proxy-Test)",
                "language": "rust",
                "interrupt_mode": "message",
                "env": {"ERSTES_NETZ_KERNEL_PROXY": "1"},
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="rust-proxy")
    km.start_kernel(cwd=str(tmp_path), env=dict(os.environ, RUST_BACKTRACE="0"))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_cells_connections_and_the_end_pass_through_the_proxy(proxied_kernel):
    km, kc = proxied_kernel
    outputs = []
    reply = kc.execute_interactive(
        'println!("hallo aus evcxr"); 6 * 7',
        output_hook=lambda m: outputs.append(json.dumps(m["content"])),
        timeout=300,
    )
    assert reply["content"]["status"] == "ok", outputs
    assert "hallo aus evcxr" in "".join(outputs) and "42" in "".join(outputs), outputs

    proxy = km.provisioner.process.pid
    # evcxr starts its runtime as a child of its own: the proxy must be Python, evcxr below it.
    assert "start_kernel.py" in Path(f"/proc/{proxy}/cmdline").read_text(), "kein Proxy vor evcxr"
    evcxr = [p for p in children(proxy) if "evcxr" in Path(f"/proc/{p}/comm").read_text()]
    assert len(evcxr) == 1, f"kein evcxr unter dem Proxy {proxy}: {children(proxy)}"

    session = km.session
    for n in range(8000):
        shell, control = km.connect_shell(), km.connect_control()
        session.send(shell, "kernel_info_request", {})
        session.send(control, "kernel_info_request", {})
        answered = shell.poll(10_000) and control.poll(10_000)
        shell.close(linger=0)
        control.close(linger=0)
        assert answered, f"neue Verbindung ohne Antwort nach {n} Runden"
        while kc.iopub_channel.msg_ready():  # read the status messages, as a frontend does
            kc.get_iopub_msg(timeout=1)
    reply = kc.execute_interactive("1 + 1", timeout=120)
    assert reply["content"]["status"] == "ok"

    os.kill(proxy, signal.SIGKILL)
    deadline = time.time() + 20
    while alive(evcxr[0]) and time.time() < deadline:
        time.sleep(0.1)
    assert not alive(evcxr[0]), "evcxr läuft nach dem Ende des Proxys weiter"


def test_kernelspec_of_the_hub_asks_for_the_proxy():
    text = (ROOT / "scripts" / "hub" / "install_hub.sh").read_text()
    install = text[text.index("install_kernelspec.py") :].split("\n\n")[0]
    assert "--proxy" in install, install


def test_evcxr_ports_come_from_below_the_ephemeral_range(tmp_path, monkeypatch):
    first, last = kernel_proxy.ephemeral_range()
    assert 1024 <= first < last
    ports = kernel_proxy.free_ports(5)
    assert len(set(ports)) == 5
    assert all(kernel_proxy.LOWEST_PORT <= p < first for p in ports), (ports, first)
    import socket

    for p in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", p))  # still free
    # ports in use are passed over: of the only 100 candidates, all but one are held here
    base = ports[0] - 50
    monkeypatch.setattr(kernel_proxy, "LOWEST_PORT", base)
    held = []
    try:
        for p in range(base, base + 100):
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                s.close()  # taken by someone else already
                continue
            held.append(s)
        free_port = held[len(held) // 2].getsockname()[1]
        held.pop(len(held) // 2).close()
        for _ in range(3):
            assert kernel_proxy.free_ports(1, ephemeral=(base + 100, last)) == [free_port]
    finally:
        for s in held:
            s.close()
    # no room below the range (or no /proc): ports as bind(0) gives them
    assert len(set(kernel_proxy.free_ports(3, ephemeral=(1024, 60999)))) == 3
    fake = tmp_path / "range"
    fake.write_text("20000\t30000\n")
    assert kernel_proxy.ephemeral_range(fake) == (20000, 30000)
    fake.write_text("kaputt")
    assert kernel_proxy.ephemeral_range(fake) is None
    assert kernel_proxy.ephemeral_range(tmp_path / "fehlt") is None
