"""The committed notebooks are exactly what the generator makes from the lesson
source, carry no outputs, and the generator never overwrites edited notebooks."""

import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_notebooks  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*/*.ipynb"))


def test_committed_notebooks_match_the_source():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_notebooks.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_valid_and_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "rust"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:80]


def test_every_source_has_both_notebooks():
    sources = sorted((ROOT / "notebooks" / "quelle").glob("*.md"))
    assert sources
    for s in sources:
        for folder in ["aufgaben", "loesungen"]:
            assert (ROOT / "notebooks" / folder / f"{s.stem}.ipynb").is_file()


def code_cells(folder):
    nb = nbformat.read(ROOT / "notebooks" / folder / "01_erstes_netz.ipynb", as_version=4)
    return {c.id: c for c in nb.cells if c.cell_type == "code"}


def test_exercise_has_blanks_where_solution_has_code():
    exercise, solution = code_cells("aufgaben"), code_cells("loesungen")
    exercises = [i for i, c in solution.items() if "exercise" in c.metadata.get("tags", [])]
    assert len(exercises) >= 8  # init_weights, forward_pass, first pass, back_prop, update, all together, go on, test values
    for cell_id in exercises:
        assert exercise[cell_id].source != solution[cell_id].source
        assert "SOLUTION" not in exercise[cell_id].source + solution[cell_id].source
    blanks = sum(c.source.count("todo!(") for c in exercise.values())
    assert blanks >= 20
    assert not any("todo!(" in c.source for c in solution.values())
    # Every blank is typed and carries a German hint.
    for c in exercise.values():
        for hint in re.findall(r'todo!\("([^"]*)"\)', c.source):
            assert len(hint) > 5, hint


def test_solution_only_cells_and_details_blocks():
    exercise, solution = code_cells("aufgaben"), code_cells("loesungen")
    only = [i for i, c in solution.items() if "solution-only" in c.metadata.get("tags", [])]
    assert only and not any(i in exercise for i in only)
    nb = nbformat.read(ROOT / "notebooks" / "aufgaben" / "01_erstes_netz.ipynb", as_version=4)
    details = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("<details>")]
    assert len(details) == sum("exercise" in c.metadata.get("tags", []) for c in exercise.values())


def test_split_solution_markers():
    code = "fn f() {\n    // BEGIN SOLUTION => let x: u8 = todo!(\"x\");\n    // => let y = 1;\n    let x = 2;\n    // END SOLUTION\n    x\n}"
    solution, exercise, found = build_notebooks.split_solution(code, "test")
    assert found
    assert solution == "fn f() {\n    let x = 2;\n    x\n}"
    assert exercise == "fn f() {\n    let x: u8 = todo!(\"x\");\n    let y = 1;\n    x\n}"
    for broken in ["// BEGIN SOLUTION\nx", "x\n// END SOLUTION", "// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION"]:
        with pytest.raises(build_notebooks.SourceError):
            build_notebooks.split_solution(broken, "test")


@pytest.fixture
def project_copy(tmp_path):
    """scripts/ and notebooks/ in a scratch folder: the generator works there."""
    for name in ["scripts", "notebooks"]:
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def run_generator(root, *args):
    return subprocess.run([sys.executable, str(root / "scripts" / "build_notebooks.py"), *args], capture_output=True, text=True)


def test_generator_refuses_to_overwrite_an_edited_notebook(project_copy):
    target = project_copy / "notebooks" / "aufgaben" / "01_erstes_netz.ipynb"
    nb = nbformat.read(target, as_version=4)
    nb.cells[3].source += "\n// meine Notiz"
    nbformat.write(nb, target)
    edited = target.read_text()
    source = project_copy / "notebooks" / "quelle" / "01_erstes_netz.md"
    source.write_text(source.read_text().replace("Lernziele", "Lernziele heute"))

    done = run_generator(project_copy)
    assert done.returncode == 1
    assert "NICHT überschrieben: notebooks/aufgaben/01_erstes_netz.ipynb" in done.stderr
    assert target.read_text() == edited  # the student's edit survives
    solution = project_copy / "notebooks" / "loesungen" / "01_erstes_netz.ipynb"
    assert "Lernziele heute" in solution.read_text()  # unedited notebooks are regenerated

    done = run_generator(project_copy, "--force")
    assert done.returncode == 0, done.stderr
    assert "meine Notiz" not in target.read_text()
    assert run_generator(project_copy, "--check").returncode == 0


def test_check_reports_drift(project_copy):
    source = project_copy / "notebooks" / "quelle" / "01_erstes_netz.md"
    source.write_text(source.read_text().replace("Lernziele", "Lernziele neu"))
    done = run_generator(project_copy, "--check")
    assert done.returncode == 1
    assert "passt nicht zur Quelle" in done.stderr


def test_manifest_records_the_committed_notebooks():
    manifest = json.loads((ROOT / "notebooks" / ".generated.json").read_text())
    for path, digest in manifest.items():
        assert build_notebooks.sha256((ROOT / path).read_text(encoding="utf-8")) == digest, path
