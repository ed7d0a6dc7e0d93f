"""A ZeroMQ proxy between Jupyter and evcxr_jupyter: evcxr sees one lasting peer per socket.

Why: jupyter_server opens short-lived shell and control connections to a kernel
for every new websocket (its "nudge") and closes them again. After a few
thousand such connections evcxr_jupyter 0.22 (zeromq 0.6) answers no new shell
connection any more, sometimes nothing at all - the hung kernels of the hub
test (scripts/kernel/stress_connections.py reproduces it, README "Der Kernel
antwortet gar nicht"). Behind this proxy evcxr only ever has its one connection
per channel; the proxy (libzmq through pyzmq) takes the coming and going.

Messages pass unchanged (signed with the same key): ROUTER <-> DEALER for
shell, control, stdin and heartbeat, XPUB <-> XSUB for iopub. evcxr runs as a
child in the same process group, so Jupyter's signals to the group reach it;
signals sent to the proxy alone are passed on, and on Linux evcxr dies with the
proxy. Used by start_kernel.py where the kernelspec asks for it (kurs.json
"proxy") and pyzmq is installed.
"""

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading

CHANNELS = ["shell", "control", "stdin", "hb"]


# The lowest port free_ports takes where it knows Linux's ephemeral range.
LOWEST_PORT = 10000


def ephemeral_range(path="/proc/sys/net/ipv4/ip_local_port_range"):
    """(first, last) of the ports Linux gives to bind(0) and outgoing connections, or None."""
    try:
        with open(path, encoding="ascii") as f:
            first, last = (int(v) for v in f.read().split())
    except (OSError, ValueError):
        return None
    return first, last


def free_ports(count, host="127.0.0.1", ephemeral=None):
    """Ports that were free a moment ago (evcxr binds them right after).

    Where Linux says which ports it hands out by itself, they come from below
    that range. Inside it, one of them could be taken before evcxr binds it:
    by a port another process asks for with bind(0), or by the proxy's own
    connection attempts to evcxr, whose source port is one from that range –
    on loopback a connection to the port it comes from connects to itself.
    One of the two happened (the log does not say which): evcxr ended with
    "Address already in use" while two tests started kernels at once."""
    ephemeral = ephemeral or ephemeral_range()
    if ephemeral and ephemeral[0] - LOWEST_PORT >= 100 * count:
        rng = random.SystemRandom()
        ports = []
        for port in rng.sample(range(LOWEST_PORT, ephemeral[0]), 100 * count):
            with socket.socket() as s:
                try:
                    s.bind((host, port))
                except OSError:
                    continue
            ports.append(port)
            if len(ports) == count:
                return ports
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind((host, 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def inner_connection(outer):
    """The connection for evcxr: the same key, new ports on the loopback interface."""
    inner = dict(outer, transport="tcp", ip="127.0.0.1")
    for name, port in zip([*CHANNELS, "iopub"], free_ports(len(CHANNELS) + 1)):
        inner[f"{name}_port"] = port
    return inner


def write_private(path, data):
    """Writes `data` as JSON readable by the owner only (it holds the signing key)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)


def _death_signal():
    """A function for the child that asks Linux to kill it when the proxy ends, or None.

    Looked up here, before the fork: the child may only make the call itself."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def run(evcxr, args, env, scratch):
    """Starts evcxr behind the proxy and returns its exit status, or None for a
    connection the proxy does not handle (not tcp): then the caller starts evcxr itself.

    `args` hold `--control_file <Jupyter's connection file>`; evcxr gets a
    connection file of its own in `scratch`.
    """
    import zmq

    at = args.index("--control_file") + 1
    with open(args[at], encoding="utf-8") as f:
        outer = json.load(f)
    if outer.get("transport", "tcp") != "tcp":
        return None
    inner = inner_connection(outer)
    inner_file = os.path.join(scratch, f"verbindung-{os.getpid()}.json")
    write_private(inner_file, inner)

    # evcxr first, before libzmq starts threads of its own in this process.
    # close_fds=False: evcxr keeps the locks start_kernel.py made inheritable, as with exec.
    child_args = [*args[:at], inner_file, *args[at + 1 :]]
    child = subprocess.Popen([evcxr, *child_args], env=env, close_fds=False, preexec_fn=_death_signal())
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, lambda signum, _frame: child.send_signal(signum))

    def url(conf, name):
        return f"tcp://{conf['ip']}:{conf[f'{name}_port']}"

    ctx = zmq.Context()
    ctx.setsockopt(zmq.LINGER, 0)
    # evcxr sends an input request on stdin to the sender of the shell request:
    # both inner sockets need the same identity for it to find its way back.
    me = f"erstes-netz-proxy-{os.getpid()}".encode()
    pairs = []
    for name in CHANNELS:
        front, back = ctx.socket(zmq.ROUTER), ctx.socket(zmq.DEALER)
        if name in ("shell", "stdin"):
            back.setsockopt(zmq.ROUTING_ID, me)
        pairs.append((name, front, back))
    pairs.append(("iopub", ctx.socket(zmq.XPUB), ctx.socket(zmq.XSUB)))
    # All of Jupyter's ports first: the connections to evcxr below try again
    # and again until evcxr listens, each from a new port of the ephemeral
    # range, which Jupyter's ports come from too.
    for name, front, _ in pairs:
        front.bind(url(outer, name))
    for name, _, back in pairs:
        back.connect(url(inner, name))

    def forward(name, front, back):
        # One thread per channel, so that a full queue on one channel stalls no other.
        try:
            zmq.proxy(front, back)
        except zmq.ContextTerminated:
            pass
        except BaseException as e:  # a dead channel would look like a hung kernel: end it visibly
            print(f"Verbindungs-Proxy: Kanal {name} ausgefallen ({e!r}); der Kernel wird beendet.", file=sys.stderr)
            child.kill()

    for pair in pairs:
        threading.Thread(target=forward, args=pair, daemon=True).start()
    status = child.wait()
    try:
        os.unlink(inner_file)
    except OSError:
        pass
    return status
