#!/usr/bin/env python3
"""Creates an nbgrader course folder from the lesson sources.

    python scripts/nbgrader_course.py KURSORDNER [--crate /pfad/zu/crates/erstes_netz]

writes KURSORDNER/nbgrader_config.py (from nbgrader/nbgrader_config.py) and,
for every lesson notebooks/quelle/<name>.md, the nbgrader source notebook
KURSORDNER/source/<name>/<name>.ipynb:

* exercise cells keep their solution between "// BEGIN SOLUTION" and
  "// END SOLUTION" and become nbgrader solution cells;
* check cells become graded test cells (autograder tests);
* all other cells are read-only ("locked");
* solution-only cells (the checks of the text's numbers) are left out;
* the first cell's `:dep erstes_netz = { path = … }` points to --crate as an
  absolute path, because the notebooks of a course live in many folders
  (source/, release/, submitted/<student>/, autograded/<student>/).

Then, in KURSORDNER: `nbgrader generate_assignment <name>` for the student
version, `nbgrader autograde <name>` to grade. See the README for the rest.
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from build_notebooks import LANGUAGE_INFO, split_solution  # noqa: E402

POINTS = {"check": 1}
DEP = re.compile(r'^(:dep erstes_netz = \{ path = )"[^"]*"', re.MULTILINE)


def nbgrader_meta(grade_id, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return meta


def course_notebook(source_path, crate):
    source = jupytext.read(source_path)
    cells = []
    for index, cell in enumerate(source.cells):
        cell_id = f"zelle-{index:02d}"
        tags = list(cell.metadata.get("tags", []))
        if "solution-only" in tags:
            continue
        if cell.cell_type == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(cell.source, id=cell_id, metadata={"nbgrader": nbgrader_meta(cell_id, locked=True)}))
            continue
        code = DEP.sub(lambda m: f'{m.group(1)}"{crate}"', cell.source)
        _, _, is_exercise = split_solution(code, f"{source_path.name}, Zelle {index}")
        if is_exercise:
            meta = nbgrader_meta(f"aufgabe-{cell_id}", solution=True)
            tags.append("exercise")
        elif "check" in tags:
            meta = nbgrader_meta(f"pruefung-{cell_id}", grade=True, locked=True, points=POINTS["check"])
        else:
            meta = nbgrader_meta(cell_id, locked=True)
        metadata = {"nbgrader": meta}
        if tags:
            metadata["tags"] = tags
        cells.append(nbformat.v4.new_code_cell(code, id=cell_id, metadata=metadata))
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = 5
    nb.cells = cells
    nb.metadata = {"kernelspec": dict(source.metadata["kernelspec"]), "language_info": dict(LANGUAGE_INFO)}
    nbformat.validate(nb)
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description="Legt einen nbgrader-Kursordner aus den Lektionen an.")
    parser.add_argument("course", type=Path, help="Kursordner (wird angelegt)")
    parser.add_argument("--crate", type=Path, default=ROOT / "crates" / "erstes_netz", help="Pfad der Kursbibliothek")
    args = parser.parse_args(argv)
    crate = args.crate.resolve()
    if not (crate / "Cargo.toml").is_file():
        sys.exit(f"{crate}: keine Kursbibliothek (Cargo.toml fehlt)")
    args.course.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "nbgrader" / "nbgrader_config.py", args.course / "nbgrader_config.py")
    for source_path in sorted((ROOT / "notebooks" / "quelle").glob("*.md")):
        name = source_path.stem
        target = args.course / "source" / name / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(course_notebook(source_path, crate), target)
        print(f"geschrieben: {target}")


if __name__ == "__main__":
    main()
