"""The notebooks with the real Rust kernel (evcxr), headless.

The solution notebook runs end to end: no error output, no panic in any
output, every check cell ✅, every figure cell a PNG. The exercise notebook
runs cell by cell as a student meets it: every cell compiles, a blank stops
only with its own todo! hint, a check cell facing an unfinished function
explains instead of crashing; after each exercise the solution code runs and
the check passes.

evcxr reports panics as success, so these tests read every output.
"""

import re
import shutil
import sys

import nbformat
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from execute_notebook import cell_text, execute, problems  # noqa: E402

BUILD = ROOT / "build"
# What each lesson must contain at least: check cells, figure cells, exercise
# cells that stop at a blank when run as given, checks of unfinished functions.
LESSONS = {
    "01_erstes_netz": {"checks": 8, "figures": 5, "todo_stops": 3, "open_checks": 5},
    "02_weiterfuehrend": {"checks": 2, "figures": 7, "todo_stops": 0, "open_checks": 2},
}

pytestmark = pytest.mark.skipif(shutil.which("evcxr_jupyter") is None, reason="evcxr_jupyter fehlt – `make setup` installiert es")


def read(folder, lesson):
    return nbformat.read(ROOT / "notebooks" / folder / f"{lesson}.ipynb", as_version=4)


@pytest.fixture(scope="module", params=sorted(LESSONS))
def executed_solution(request):
    lesson = request.param
    nb = execute(read("loesungen", lesson), ROOT / "notebooks" / "loesungen", allow_errors=True)
    BUILD.mkdir(exist_ok=True)
    nbformat.write(nb, BUILD / f"{lesson}_loesung_ausgefuehrt.ipynb")  # kept for inspection
    return lesson, nb


def test_solution_notebook_runs_clean(executed_solution):
    _, nb = executed_solution
    found = problems(nb)
    assert not found, "\n\n".join(found)


def test_solution_notebook_checks_and_text_numbers(executed_solution):
    lesson, nb = executed_solution
    cells = [c for c in nb.cells if c.cell_type == "code"]
    checks = [c for c in cells if "check" in c.metadata.get("tags", [])]
    assert len(checks) >= LESSONS[lesson]["checks"]
    assert all("✅" in cell_text(c) for c in checks)
    # The verdict is the cell's value: "1" for nbgrader, a green note for students.
    for c in checks:
        results = [o for o in c.outputs if o.output_type == "execute_result"]
        assert [r.data["text/plain"] for r in results] == ["1"], c.source
        assert "Prüfung bestanden" in results[0].data["text/html"]
    numbers = [c for c in cells if "text_number" in c.source]
    assert numbers, "no cell compares the text's numbers"
    assert all("wie im Text" in cell_text(c) for c in numbers)


def test_solution_notebook_pictures_are_png(executed_solution):
    lesson, nb = executed_solution
    figures = [c for c in nb.cells if "figure" in c.metadata.get("tags", [])]
    assert len(figures) >= LESSONS[lesson]["figures"]
    for cell in figures:
        pngs = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert len(pngs) == 1, cell.source[:80]
        assert pngs[0].data["image/png"].startswith("iVBORw0KGgo")  # base64 of the PNG signature
        assert not any("text/html" in o.get("data", {}) for o in cell.outputs)


def hints(source):
    return re.findall(r'todo!\("([^"]*)"\)', source)


def defines_function(source):
    return re.search(r"^fn \w+", source, re.MULTILINE) is not None


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_exercise_notebook_as_a_student_meets_it(lesson):
    exercise, solution = read("aufgaben", lesson), read("loesungen", lesson)
    solution_by_id = {c.id: c for c in solution.cells}
    code = [c for c in exercise.cells if c.cell_type == "code"]

    # The plan: every exercise cell as the student sees it; for a function,
    # its check cell once more while the function is still unfinished; then
    # the solution code, so that later cells find the state they need.
    plan = []
    for k, cell in enumerate(code):
        tags = cell.metadata.get("tags", [])
        is_exercise = "exercise" in tags
        plan.append(("exercise" if is_exercise else "plain", cell))
        if not is_exercise:
            continue
        following = code[k + 1] if k + 1 < len(code) else None
        # A function with blanks, or an exercise whose wrong code runs (training
        # again from scratch): its check must explain, not crash.
        if following is not None and "check" in following.metadata.get("tags", []):
            if defines_function(cell.source) or not hints(cell.source):
                plan.append(("check-open", following))
        plan.append(("solution", solution_by_id[cell.id]))

    nb = nbformat.v4.new_notebook(metadata=exercise.metadata)
    nb.cells = [nbformat.v4.new_code_cell(c.source, metadata=c.metadata) for _, c in plan]
    execute(nb, ROOT / "notebooks" / "aufgaben", allow_errors=True)
    BUILD.mkdir(exist_ok=True)
    nbformat.write(nb, BUILD / f"{lesson}_aufgaben_probelauf.ipynb")

    failures = []
    todo_stops = 0
    open_checks = 0
    for (role, original), ran in zip(plan, nb.cells, strict=True):
        text = cell_text(ran)
        where = f"[{role}] {original.source.splitlines()[0][:70]}"
        if any(o.output_type == "error" for o in ran.outputs):
            failures.append(f"{where}: übersetzt nicht / Fehler:\n{text[:1500]}")
            continue
        panics = re.findall(r"panicked at .*?: not yet implemented: (.*)\)$", text, re.MULTILINE)
        other_panic = text.count("panicked") - len(panics)
        if role == "exercise":
            allowed = hints(original.source)
            if panics:
                todo_stops += 1
            for hint in panics:
                if hint not in allowed:
                    failures.append(f"{where}: Abbruch mit fremdem Hinweis „{hint}“")
                if f"Lücke offen: {hint}" not in text:
                    failures.append(f"{where}: deutscher Hinweis fehlt")
            if other_panic:
                failures.append(f"{where}: Abbruch, der kein todo! ist:\n{text[:1500]}")
        elif role == "check-open":
            open_checks += 1
            if "panicked" in text or not ("✏️" in text or "❌" in text):
                failures.append(f"{where}: Prüfung einer unfertigen Funktion erklärt nicht:\n{text[:1500]}")
            verdicts = [o.data.get("text/plain") for o in ran.outputs if o.output_type == "execute_result"]
            if verdicts != ["0"]:
                failures.append(f"{where}: Punkte {verdicts}, erwartet 0")
        else:
            if "panicked" in text:
                failures.append(f"{where}: Abbruch:\n{text[:1500]}")
            if "check" in original.metadata.get("tags", []) and "✅" not in text:
                failures.append(f"{where}: Prüfung mit Lösung nicht bestanden:\n{text[:1500]}")
    assert not failures, "\n\n".join(failures)
    assert todo_stops >= LESSONS[lesson]["todo_stops"]
    assert open_checks >= LESSONS[lesson]["open_checks"]
