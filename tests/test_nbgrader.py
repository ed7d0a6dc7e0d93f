"""The lesson as an nbgrader course, with the shipped configuration:
generate_assignment gives a student notebook equivalent to ours, and
autograde gives the solution full points and the untouched exercise zero,
without a crashed or hanging kernel."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from build_notebooks import BEGIN, END, STUB  # noqa: E402

nbgrader_api = pytest.importorskip("nbgrader.api", reason="nbgrader fehlt: make test installiert requirements-nbgrader.txt")
pytestmark = pytest.mark.skipif(shutil.which("evcxr_jupyter") is None, reason="evcxr_jupyter fehlt")

LESSONS = ["01_erstes_netz", "02_weiterfuehrend"]
GAP = "<LÜCKE>"


def nbgrader(course, *args):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", RUST_BACKTRACE="0")
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True, text=True, timeout=3600
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "[AutogradeApp | ERROR]" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-4000:]
    return done


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("kurs")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "nbgrader_course.py"), str(course)], check=True)
    for lesson in LESSONS:
        nbgrader(course, "generate_assignment", lesson, "--force")
    return course


def normalise_gaps(code, stub_lines):
    """Every blank as one line GAP, so that stubs of different wording compare equal."""
    lines, out, i = code.split("\n"), [], 0
    while i < len(lines):
        if [l.strip() for l in lines[i : i + len(stub_lines)]] == stub_lines:
            out.append(lines[i][: len(lines[i]) - len(lines[i].lstrip())] + GAP)
            i += len(stub_lines)
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out)


def source_with_marked_gaps(lesson):
    """The lesson source with every exercise stub replaced by the single line GAP."""
    text = (ROOT / "notebooks" / "quelle" / f"{lesson}.md").read_text(encoding="utf-8")
    text = "\n".join(l for l in text.split("\n") if not l.strip().startswith(STUB))
    return re.sub(rf"({BEGIN}) => [^\n]*", rf"\1 => {GAP}", text)


@pytest.mark.parametrize("lesson", LESSONS)
def test_student_version_is_equivalent_to_our_exercise_notebook(course, tmp_path, lesson):
    released = nbformat.read(course / "release" / lesson / f"{lesson}.ipynb", as_version=4)
    ours = nbformat.read(ROOT / "notebooks" / "aufgaben" / f"{lesson}.ipynb", as_version=4)
    # Ours without what nbgrader leaves out on purpose: the how-to banner and
    # the collapsed solutions (a graded course must not show them).
    ours_cells = [c for c in ours.cells if c.id != "hinweis" and not c.id.endswith("-loesung")]
    assert [c.id for c in released.cells] == [c.id for c in ours_cells]

    # Our exercise notebook, generated from the source with every stub as GAP.
    marked = tmp_path / "quelle.md"
    marked.write_text(source_with_marked_gaps(lesson), encoding="utf-8")
    from build_notebooks import split_solution

    ours_marked = {f"zelle-{i:02d}": c for i, c in enumerate(jupytext.read(marked).cells)}
    dep = re.compile(r'path = "[^"]*"')
    blanks = 0
    for theirs, mine in zip(released.cells, ours_cells, strict=True):
        assert theirs.cell_type == mine.cell_type, mine.id
        if mine.cell_type == "markdown":
            assert theirs.source == mine.source, mine.id
            continue
        _, expected, is_exercise = split_solution(ours_marked[mine.id].source, mine.id)
        got = normalise_gaps(theirs.source, ["// IHR CODE HIER", "todo!()"])
        assert dep.sub("path", got) == dep.sub("path", expected), mine.id
        assert theirs.metadata["nbgrader"]["solution"] == is_exercise
        blanks += expected.count(GAP)
    assert blanks >= 2


@pytest.mark.parametrize("lesson", LESSONS)
def test_autograde_full_points_for_the_solution_none_for_the_blank_exercise(course, lesson):
    for student, notebook in [
        ("musterloesung", course / "source" / lesson / f"{lesson}.ipynb"),
        ("leer", course / "release" / lesson / f"{lesson}.ipynb"),
    ]:
        target = course / "submitted" / student / lesson
        target.mkdir(parents=True)
        shutil.copy(notebook, target / f"{lesson}.ipynb")
    nbgrader(course, "autograde", lesson, "--create", "--force")

    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        full = gb.find_submission(lesson, "musterloesung")
        empty = gb.find_submission(lesson, "leer")
        checks = full.notebooks[0].grades
        assert len(checks) >= 2
        assert full.score == full.max_score == len(checks)
        assert [g.auto_score for g in full.notebooks[0].grades] == [1.0] * len(checks)
        assert empty.score == 0
        assert [g.auto_score for g in empty.notebooks[0].grades] == [0.0] * len(checks)

    # The kernel ran to the end in both: the last cell has its output.
    for student in ["musterloesung", "leer"]:
        graded = nbformat.read(course / "autograded" / student / lesson / f"{lesson}.ipynb", as_version=4)
        last = [c for c in graded.cells if c.cell_type == "code"][-1]
        assert last.outputs, student


def test_autograde_explains_a_cell_over_the_time_limit_in_german(course):
    """A cell that runs longer than c.Execute.timeout (here 15 s from the
    command line, over the config file's 1800) is stopped; its error output
    says in German which limit it exceeded, that the kernel lost all
    variables and how to grade again, and autograde grades the notebook to
    the end instead of crashing."""
    from nbgrader_course import nbgrader_meta

    def cell(cell_id, code, **meta):
        return nbformat.v4.new_code_cell(code, id=cell_id, metadata={"nbgrader": nbgrader_meta(cell_id, **meta)})

    slow = "std::thread::sleep(std::time::Duration::from_secs(40));"
    cells = [
        cell("basis", "let basis = 40;", locked=True),
        cell("langsam", f"let zahl = {{\n    // BEGIN SOLUTION\n    {slow}\n    basis + 2\n    // END SOLUTION\n}};", solution=True),
        cell("pruefung", "assert_eq!(basis, 40);", grade=True, locked=True, points=1),
    ]
    kernelspec = {"display_name": "Rust", "language": "rust", "name": "rust"}
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernelspec})
    nb.nbformat_minor = 5
    source = course / "source" / "zeitlimit" / "zeitlimit.ipynb"
    source.parent.mkdir(parents=True)
    nbformat.write(nb, source)
    nbgrader(course, "generate_assignment", "zeitlimit", "--force")
    submitted = course / "submitted" / "langsam" / "zeitlimit"
    submitted.mkdir(parents=True)
    shutil.copy(source, submitted / "zeitlimit.ipynb")

    # Not nbgrader(): nbclient logs the timeout itself as an ERROR line.
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", RUST_BACKTRACE="0")
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", "zeitlimit", "--create", "--force", "--Execute.timeout=15"],
        cwd=course, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "Traceback" not in done.stderr, done.stderr[-4000:]
    assert done.stderr.count("Zeitlimit von 15 Sekunden") == 1, done.stderr[-4000:]  # logged once

    graded = nbformat.read(course / "autograded" / "langsam" / "zeitlimit" / "zeitlimit.ipynb", as_version=4)
    timed_out = next(c for c in graded.cells if c.id == "langsam")
    # evcxr reports its killed child process; ours follows with the explanation.
    ours = [o for o in timed_out.outputs if o.output_type == "error" and o.ename == "Zeitlimit überschritten"]
    assert len(ours) == 1, timed_out.outputs
    text = "\n".join([ours[0].evalue, *ours[0].traceback])
    for expected in [
        "Zeitlimit überschritten",
        "länger als das Zeitlimit von 15 Sekunden",
        "abgebrochen",
        "alle Variablen verloren",
        "Folgefehler",
        "c.Execute.timeout in nbgrader_config.py erhöhen",
        "nbgrader autograde zeitlimit --force",
    ]:
        assert expected in text, text
    # The kernel went on, but without the variables: the check after it fails.
    check = next(c for c in graded.cells if c.id == "pruefung")
    assert any(o.output_type == "error" and "`basis`" in o.evalue for o in check.outputs), check.outputs
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission("zeitlimit", "langsam")
        assert (submission.score, submission.max_score) == (0, 1)
