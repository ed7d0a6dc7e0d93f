"""A whole class on one JupyterHub (scripts/hub/), on 127.0.0.1:

- scripts/hub/install_hub.sh installs everything for all users (as an admin would);
- the real JupyterHub (PAM, LocalProcessSpawner, configurable-http-proxy): three
  students and one instructor log in with their UNIX passwords and get their own
  servers; the Rust kernel runs in each, as that user, through the hub's proxy;
- nbgrader's round trip through the exchange: release → fetch → (solution,
  untouched, typical mistake) → submit → collect → autograde → feedback back to
  the students, with the German check messages;
- one student cannot read another's home or submission;
- three students run lesson 1 at the same time, every check ✅, none slower than
  3× a lone run.

The accounts are created by the test and removed afterwards, with everything they
left in the exchange. Needs root on Linux (accounts, PAM, setuid spawner); skipped
otherwise. The installation under /opt/erstes-netz stays, like a system package.
"""

import grp
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import ROOT, kernel_output

pytestmark = [
    pytest.mark.skipif(
        sys.platform != "linux" or os.geteuid() != 0 or shutil.which("useradd") is None,
        reason="der Hub-Test braucht Linux und root (Konten, PAM, Server je Konto)",
    ),
]

PREFIX = Path("/opt/erstes-netz")
VENV = PREFIX / "venv" / "bin"
EXCHANGE = Path("/usr/local/share/nbgrader/exchange")
STUDENTS = ["ennetz-s1", "ennetz-s2", "ennetz-s3"]
TEACHER = "ennetz-lehrer"
LESSON = "01_erstes_netz"
MISTAKE = ("w_0 - lr * &grad_w[0]", "w_0 + lr * &grad_w[0]")  # gradient ascent: a classic


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def home(user):
    return Path(pwd.getpwnam(user).pw_dir)


def as_user(user, *cmd, cwd=None, timeout=1800, check=True, env=None):
    """Runs cmd as `user` with a login-like environment (HOME, USER, PATH of the course)."""
    base = {
        "HOME": str(home(user)),
        "USER": user,
        "LOGNAME": user,
        "PATH": f"{VENV}:{PREFIX / 'rust' / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "RUST_BACKTRACE": "0",
    }
    done = subprocess.run(
        ["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in {**base, **(env or {})}.items()], *map(str, cmd)],
        cwd=cwd or home(user),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert done.returncode == 0, f"{user}: {' '.join(map(str, cmd))}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def accounts():
    passwords = {}
    for user in [*STUDENTS, TEACHER]:
        subprocess.run(["userdel", "-r", user], capture_output=True)
        group = "erstes-netz-lehrende" if user == TEACHER else "erstes-netz-studierende"
        subprocess.run(["groupadd", "-f", group], check=True)
        subprocess.run(["useradd", "-m", "-K", "HOME_MODE=0700", "-s", "/bin/bash", "-G", group, user], check=True)
        passwords[user] = secrets.token_urlsafe(12)
        subprocess.run(["chpasswd"], input=f"{user}:{passwords[user]}\n", text=True, check=True)
    yield passwords
    for user in [*STUDENTS, TEACHER]:
        subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
    time.sleep(1)
    for user in [*STUDENTS, TEACHER]:
        subprocess.run(["userdel", "-r", user], capture_output=True)
    shutil.rmtree(EXCHANGE / "erstes-netz", ignore_errors=True)


@pytest.fixture(scope="module")
def installed(accounts):
    """The admin's one command, run as on a fresh server (idempotent when run again)."""
    started = time.monotonic()
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "hub" / "install_hub.sh"), "--lehrende", TEACHER, "--ohne-dienst"],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    print(f"install_hub.sh: {time.monotonic() - started:.0f} s")
    return done


@pytest.fixture(scope="module")
def hub(installed, tmp_path_factory):
    """The hub on 127.0.0.1 with the installed configuration, plus an admin service token for the test."""
    import requests

    state = tmp_path_factory.mktemp("hub")
    token = secrets.token_hex(16)
    config = state / "test_config.py"
    config.write_text(
        "c = get_config()\n"
        "load_subconfig('/etc/erstes-netz/jupyterhub_config.py')\n"
        f"c.JupyterHub.services = [{{'name': 'kurs-test', 'api_token': '{token}'}}]\n"
        "c.JupyterHub.load_roles = [{'name': 'kurs-test', 'scopes': ['admin:users', 'admin:servers', 'tokens', 'access:servers'], "
        "'services': ['kurs-test']}]\n"
    )
    port = free_port()
    env = dict(
        os.environ,
        ERSTES_NETZ_HUB_URL=f"http://127.0.0.1:{port}",
        ERSTES_NETZ_HUB_STATE=str(state),
        ERSTES_NETZ_HUB_INTERN_PORT=str(free_port()),
        ERSTES_NETZ_PROXY_API_PORT=str(free_port()),
        PATH=f"{VENV}:{os.environ['PATH']}",
    )
    log = open(state / "hub.log", "w")
    proc = subprocess.Popen([str(VENV / "jupyterhub"), "-f", str(config)], cwd=state, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{url}/hub/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, (state / "hub.log").read_text()[-4000:]
            time.sleep(0.5)
        else:
            pytest.fail("der Hub startet nicht:\n" + (state / "hub.log").read_text()[-4000:])
        yield {"url": url, "token": token, "log": state / "hub.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def login(hub, user, password):
    """Logs in through the hub's login form; returns the session (with the hub's cookies)."""
    import requests

    s = requests.Session()
    s.get(f"{hub['url']}/hub/login", timeout=30).raise_for_status()
    r = s.post(
        f"{hub['url']}/hub/login",
        data={"username": user, "password": password, "_xsrf": s.cookies.get("_xsrf")},
        allow_redirects=False,
        timeout=60,
    )
    assert r.status_code == 302, f"{user}: Anmeldung abgelehnt ({r.status_code})"
    return s


def api(hub, method, path, **kw):
    import requests

    r = requests.request(method, f"{hub['url']}/hub/api{path}", headers={"Authorization": f"token {hub['token']}"}, timeout=120, **kw)
    assert r.status_code < 400, f"{method} {path}: {r.status_code} {r.text[:500]}"
    return r.json() if r.text else None


def start_server(hub, user):
    api(hub, "POST", f"/users/{user}/server")
    for _ in range(240):
        model = api(hub, "GET", f"/users/{user}")
        if model["servers"].get("", {}).get("ready"):
            return
        time.sleep(0.5)
    pytest.fail(f"Server von {user} startet nicht:\n" + hub["log"].read_text()[-3000:])


class KernelStall(Exception):
    """The kernel got an execute request and sent nothing back for it."""


def execute_once(hub, user, token, code, stall, timeout):
    import requests
    import websocket

    base = f"{hub['url']}/user/{user}"
    headers = {"Authorization": f"token {token}"}
    kernel = requests.post(f"{base}/api/kernels", json={"name": "rust"}, headers=headers, timeout=120)
    assert kernel.status_code == 201, kernel.text
    kernel_id = kernel.json()["id"]
    try:
        # the server completes the handshake only once the kernel answered its kernel_info
        ws = websocket.create_connection(
            f"ws://{base[len('http://'):]}/api/kernels/{kernel_id}/channels", header=[f"Authorization: token {token}"], timeout=stall
        )
    except websocket.WebSocketTimeoutException:
        requests.delete(f"{base}/api/kernels/{kernel_id}", headers=headers, timeout=60)
        raise KernelStall(f"{user}: der Kernel hat sich nach {stall} s noch nicht gemeldet") from None
    ws.settimeout(30)
    try:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": "execute_request", "username": user, "session": uuid.uuid4().hex, "version": "5.3"}
        ws.send(json.dumps({"header": header, "parent_header": {}, "metadata": {}, "channel": "shell",
                            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                                        "allow_stdin": False, "stop_on_error": True}}))
        texts, answered = [], False
        sent = time.monotonic()
        while True:
            now = time.monotonic()
            if not answered and now - sent > stall:
                raise KernelStall(f"{user}: keine Antwort des Kernels auf die Zelle nach {stall} s")
            assert now - sent < timeout, f"{user}: Zelle nach {timeout} s nicht fertig: {''.join(texts)}"
            # recv() would answer the server's pings (every 30 s) itself and keep
            # waiting, so neither the socket timeout nor these deadlines would fire.
            try:
                opcode, frame = ws.recv_data_frame(True)
            except websocket.WebSocketTimeoutException:
                continue
            if opcode != websocket.ABNF.OPCODE_TEXT:
                assert opcode != websocket.ABNF.OPCODE_CLOSE, f"{user}: Verbindung zum Kernel geschlossen"
                continue
            msg = json.loads(frame.data)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            answered = True
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(texts)
            text, error = kernel_output(msg)
            texts.append(text + (f"FEHLER: {error}" if error else ""))
    finally:
        ws.close()
        requests.delete(f"{base}/api/kernels/{kernel_id}", headers=headers, timeout=60)


def run_in_kernel(hub, user, token, code, stall=90, timeout=600):
    """Starts a Rust kernel on the user's server through the proxy, runs code, returns its text output.

    A kernel that does not answer the cell at all within `stall` seconds (evcxr's
    lost request, README „Wenn etwas schiefgeht“) is replaced once, as a student
    would restart it; a second stall fails the test. evcxr reports "busy" as soon
    as a request arrives, before compiling anything, so 90 s leave a wide margin.
    """
    try:
        return execute_once(hub, user, token, code, stall, timeout)
    except KernelStall as stalled:
        warnings.warn(f"Kernel einmal neu gestartet: {stalled}", stacklevel=2)
    try:
        return execute_once(hub, user, token, code, stall, timeout)
    except KernelStall as stalled:
        raise AssertionError(f"auch nach einem Neustart: {stalled}") from None


def test_everyone_logs_in_gets_an_own_server_and_a_rust_kernel_through_the_proxy(hub, accounts):
    import requests

    sessions = {}
    for user in [*STUDENTS, TEACHER]:
        sessions[user] = login(hub, user, accounts[user])
    # A wrong password is refused.
    r = requests.post(f"{hub['url']}/hub/login", data={"username": STUDENTS[0], "password": "falsch"}, allow_redirects=False, timeout=30)
    assert r.status_code != 302

    for user in [*STUDENTS, TEACHER]:
        start_server(hub, user)
        lab = sessions[user].get(f"{hub['url']}/user/{user}/lab", timeout=60)
        assert lab.status_code == 200 and "JupyterLab" in lab.text, f"{user}: {lab.status_code}"
        token = api(hub, "POST", f"/users/{user}/tokens", json={"note": "kurs-test", "expires_in": 3600})["token"]
        out = run_in_kernel(hub, user, token, 'let wer = std::env::var("HOME").unwrap(); println!("{wer} {}", 20 + 22);')
        assert f"{home(user)} 42" in out, f"{user}: {out}"
    # One student's hub session does not open another student's server.
    other = sessions[STUDENTS[0]].get(f"{hub['url']}/user/{STUDENTS[1]}/lab", timeout=60, allow_redirects=False)
    assert other.status_code in (302, 403, 404) and "JupyterLab" not in other.text


def nbgrader_as(user, *args, cwd=None):
    return as_user(user, VENV / "nbgrader", *args, "--log-level=INFO", cwd=cwd)


@pytest.fixture(scope="module")
def round_trip(installed):
    course = home(TEACHER) / "erstes-netz"
    nbgrader_as(TEACHER, "release_assignment", LESSON, "--force", cwd=course)
    for student in STUDENTS:
        nbgrader_as(student, "fetch_assignment", LESSON)
    solution = (course / "source" / LESSON / f"{LESSON}.ipynb").read_text(encoding="utf-8")
    assert MISTAKE[0] in solution
    fills = {STUDENTS[0]: solution, STUDENTS[2]: solution.replace(*MISTAKE)}
    for student, text in fills.items():
        path = home(student) / LESSON / f"{LESSON}.ipynb"
        path.write_text(text, encoding="utf-8")
        shutil.chown(path, student, student)
    for student in STUDENTS:
        nbgrader_as(student, "submit", LESSON)
    nbgrader_as(TEACHER, "collect", LESSON, cwd=course)
    started = time.monotonic()
    nbgrader_as(TEACHER, "autograde", LESSON, "--force", cwd=course)
    print(f"autograde, 3 Abgaben: {time.monotonic() - started:.0f} s")
    nbgrader_as(TEACHER, "generate_feedback", LESSON, "--force", cwd=course)
    nbgrader_as(TEACHER, "release_feedback", LESSON, cwd=course)
    for student in STUDENTS:
        nbgrader_as(student, "fetch_feedback", LESSON)
    scores = as_user(
        TEACHER,
        VENV / "python",
        "-c",
        "import json; from nbgrader.api import Gradebook\n"
        "with Gradebook('sqlite:///gradebook.db') as gb:\n"
        f"    print(json.dumps({{s: [gb.find_submission('{LESSON}', s).score, gb.find_submission('{LESSON}', s).max_score] for s in {STUDENTS!r}}}))",
        cwd=course,
    )
    return json.loads(scores.stdout)


def test_nbgrader_round_trip_grades_solution_blank_and_mistake(round_trip):
    (score, top), (blank, _), (mistake, _) = (round_trip[s] for s in STUDENTS)
    assert top > 0 and score == top, round_trip
    assert blank == 0, round_trip
    assert 0 < mistake < top, round_trip


def test_feedback_reaches_the_students_with_the_german_check_messages(round_trip):
    for student, expected in [(STUDENTS[0], "✅"), (STUDENTS[1], "✏️"), (STUDENTS[2], "❌")]:
        feedback = list((home(student) / LESSON / "feedback").glob(f"*/{LESSON}.html"))
        assert len(feedback) == 1, student
        text = feedback[0].read_text(encoding="utf-8")
        assert expected in text, student
    mistake = next((home(STUDENTS[2]) / LESSON / "feedback").glob(f"*/{LESSON}.html")).read_text(encoding="utf-8")
    assert "falsches Vorzeichen" in mistake  # the check names the mistake


def test_students_cannot_read_each_others_home_or_submission(round_trip):
    """Homes are private; nbgrader's inbound folder cannot be listed, and each submission
    lies in a folder named with 72 random bits (ExchangeSubmit.add_random_string), so no
    student can find - or guess - another one's submission."""
    import re

    intruder, victim = STUDENTS[1], STUDENTS[0]
    for path in [home(victim), home(victim) / LESSON / f"{LESSON}.ipynb", EXCHANGE / "erstes-netz" / "inbound"]:
        done = as_user(intruder, "ls", path, check=False)
        assert done.returncode != 0 and "Permission denied" in done.stderr, f"{intruder} liest {path}"
    submitted = sorted((EXCHANGE / "erstes-netz" / "inbound").glob(f"{victim}+{LESSON}+*"))
    assert len(submitted) == 1, "die Abgabe liegt im Austauschordner"
    assert re.fullmatch(rf"{victim}\+{LESSON}\+[^+]+ UTC\+[A-Za-z0-9_-]{{12}}", submitted[0].name), submitted[0].name
    guessed = submitted[0].with_name(submitted[0].name[:-12] + "A" * 12)  # right time, wrong random part
    done = as_user(intruder, "cat", guessed / f"{LESSON}.ipynb", check=False)
    assert done.returncode != 0
    # Nobody but the owner may change a submission.
    done = as_user(intruder, "touch", submitted[0] / f"{LESSON}.ipynb", check=False)
    assert done.returncode != 0 and "Permission denied" in done.stderr


def head_and_tail(text, chars=2500):
    """The start and the end of a long output; the problems (❌) from the first one on."""
    text = text[max(text.find("❌"), 0) :]
    if len(text) <= 2 * chars:
        return text
    return f"{text[:chars]}\n[… {len(text) - 2 * chars} Zeichen …]\n{text[-chars:]}"


def run_lesson(student, notebook):
    started = time.monotonic()
    done = as_user(
        student, VENV / "python", PREFIX / "kurs" / "scripts" / "execute_notebook.py", notebook, check=False, timeout=1800
    )
    return time.monotonic() - started, done


# Three students against a lone run: this test times itself, so `make test` runs it after
# the others with the cores to itself. The rest of this file runs beside other tests.
@pytest.mark.alone
def test_three_students_run_lesson_1_at_once(installed):
    course = home(TEACHER) / "erstes-netz"
    notebooks = {}
    for student in STUDENTS:
        folder = home(student) / "gleichzeitig"
        folder.mkdir(exist_ok=True)
        notebooks[student] = folder / f"{LESSON}.ipynb"
        shutil.copy(course / "source" / LESSON / f"{LESSON}.ipynb", notebooks[student])
        for p in [folder, notebooks[student]]:
            shutil.chown(p, student, student)

    alone, done = run_lesson(STUDENTS[0], notebooks[STUDENTS[0]])
    assert done.returncode == 0, head_and_tail(done.stdout) + head_and_tail(done.stderr)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda s: (s, *run_lesson(s, notebooks[s])), STUDENTS))
    print(f"Lektion 1 allein {alone:.0f} s; zu dritt " + ", ".join(f"{s} {t:.0f} s" for s, t, _ in results))
    for student, seconds, done in results:
        # The first problem explains the rest (a failed first cell fails every cell after it).
        assert done.returncode == 0, f"{student}:\n{head_and_tail(done.stdout)}\n{head_and_tail(done.stderr)}"
        assert "alle Prüfungen bestanden" in done.stdout
        assert seconds <= 3 * alone, f"{student}: {seconds:.0f} s zu dritt gegen {alone:.0f} s allein"
