#!/usr/bin/env python3
"""Generates the exercise and solution notebooks from the lesson source.

One source of truth per lesson: notebooks/quelle/<name>.md (jupytext Markdown,
Rust code cells). From it this script writes

  notebooks/loesungen/<name>.ipynb   solution notebook (instructors)
  notebooks/aufgaben/<name>.ipynb    exercise notebook (students)

Markers in a code cell (the same ones nbgrader uses):

  // BEGIN SOLUTION => let z_1: Array2<f64> = todo!("Hinweis");
  // => optional further lines of the exercise's stub
  ... solution code ...
  // END SOLUTION

The solution notebook keeps the solution code (marker and stub lines
removed); the exercise notebook gets the stub lines instead, followed by a
collapsed <details> cell with the whole solution cell. Cells tagged
"solution-only" appear only in the solution notebook.

The generated notebooks carry no outputs and must never be edited by hand.
The script remembers what it wrote (notebooks/.generated.json) and refuses
to overwrite a notebook that was changed since, unless --force is given.

    python scripts/build_notebooks.py           # write the notebooks
    python scripts/build_notebooks.py --check   # fail if they differ from the source
"""

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "quelle"
MANIFEST = NOTEBOOKS / ".generated.json"

BEGIN, END, STUB = "BEGIN SOLUTION", "END SOLUTION", "// =>"
DEFAULT_STUB = 'todo!("Ihr Code")'

LANGUAGE_INFO = {
    "name": "Rust",
    "version": "",
    "mimetype": "text/rust",
    "file_extension": ".rs",
    "pygment_lexer": "rust",
    "codemirror_mode": "rust",
}

SOLUTION_BANNER = """\
**Lösungsnotebook für Lehrende.** Alle Lücken sind ausgefüllt. Zellen, die mit
`text_number` prüfen, stellen sicher, dass die Zahlen im Text zu dem passen, was das Notebook
rechnet. Erzeugt aus `notebooks/quelle/{name}.md` – Änderungen bitte dort vornehmen und
`make notebooks` aufrufen."""

EXERCISE_BANNER = """\
**So arbeiten Sie mit diesem Notebook:** Führen Sie die Zellen der Reihe nach aus
(Umschalt + Enter). Wo `todo!("…")` steht, ergänzen Sie den Code – der Hinweis in
Anführungszeichen sagt, was fehlt. Nach jeder Aufgabe prüft eine Zelle mit `check::…` Ihre
Lösung: ✅ heißt richtig, ❌ nennt den Fehler, ✏️ heißt, dass noch eine Lücke offen ist. Unter
jeder Aufgabe lässt sich die Lösung aufklappen."""


class SourceError(Exception):
    """A malformed lesson source; the message names file and cell."""


def split_solution(code, where):
    """Returns (solution_code, exercise_code, has_regions) of one code cell."""
    solution, exercise = [], []
    stub, indent, found = None, "", False
    for number, line in enumerate(code.split("\n"), start=1):
        if BEGIN in line:
            if stub is not None:
                raise SourceError(f"{where}, Zeile {number}: BEGIN SOLUTION innerhalb eines Lösungsbereichs")
            found = True
            indent = line[: len(line) - len(line.lstrip())]
            after = line.split(BEGIN, 1)[1].strip()
            stub = [after[2:].strip()] if after.startswith("=>") else []
            continue
        if stub is None:
            if END in line:
                raise SourceError(f"{where}, Zeile {number}: END SOLUTION ohne BEGIN SOLUTION")
            solution.append(line)
            exercise.append(line)
            continue
        if END in line:
            exercise.extend(indent + s for s in (stub or [DEFAULT_STUB]))
            stub = None
            continue
        if line.strip().startswith(STUB):
            stub.append(line.strip()[len(STUB):].strip())
            continue
        solution.append(line)
    if stub is not None:
        raise SourceError(f"{where}: BEGIN SOLUTION ohne END SOLUTION")
    return "\n".join(solution), "\n".join(exercise), found


def new_notebook(cells, source):
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = 5
    nb.cells = cells
    nb.metadata = {
        "kernelspec": dict(source.metadata["kernelspec"]),
        "language_info": dict(LANGUAGE_INFO),
    }
    return nb


def build(source_path):
    """Returns {relative output path: notebook text} for one lesson source."""
    name = source_path.stem
    source = jupytext.read(source_path)
    if source.metadata.get("kernelspec", {}).get("name") != "rust":
        raise SourceError(f"{source_path}: kernelspec muss „rust“ sein")
    solution_cells = [nbformat.v4.new_markdown_cell(SOLUTION_BANNER.format(name=name), id="hinweis")]
    exercise_cells = [nbformat.v4.new_markdown_cell(EXERCISE_BANNER, id="hinweis")]
    for index, cell in enumerate(source.cells):
        cell_id = f"zelle-{index:02d}"
        tags = list(cell.metadata.get("tags", []))
        if cell.cell_type == "markdown":
            solution_cells.append(nbformat.v4.new_markdown_cell(cell.source, id=cell_id))
            exercise_cells.append(nbformat.v4.new_markdown_cell(cell.source, id=cell_id))
            continue
        where = f"{source_path.name}, Zelle {index}"
        solution, exercise, is_exercise = split_solution(cell.source, where)
        if is_exercise:
            tags.append("exercise")
        metadata = {"tags": tags} if tags else {}
        solution_cells.append(nbformat.v4.new_code_cell(solution, id=cell_id, metadata=metadata))
        if "solution-only" in tags:
            continue
        exercise_cells.append(nbformat.v4.new_code_cell(exercise, id=cell_id, metadata=metadata))
        if is_exercise:
            details = (
                "<details>\n<summary><strong>Lösung</strong></summary>\n\n"
                f"```rust\n{solution}\n```\n</details>"
            )
            exercise_cells.append(nbformat.v4.new_markdown_cell(details, id=f"{cell_id}-loesung"))
    result = {}
    for folder, cells in [("loesungen", solution_cells), ("aufgaben", exercise_cells)]:
        nb = new_notebook(cells, source)
        nbformat.validate(nb)
        result[f"notebooks/{folder}/{name}.ipynb"] = nbformat.writes(nb) + "\n"
    return result


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_all():
    outputs = {}
    for source_path in sorted(SOURCES.glob("*.md")):
        outputs.update(build(source_path))
    return outputs


def main(argv=None):
    parser = argparse.ArgumentParser(description="Erzeugt Aufgaben- und Lösungsnotebooks aus notebooks/quelle/.")
    parser.add_argument("--check", action="store_true", help="nur prüfen, ob die Notebooks aktuell sind")
    parser.add_argument("--force", action="store_true", help="auch von Hand geänderte Notebooks überschreiben")
    args = parser.parse_args(argv)
    try:
        outputs = build_all()
    except (SourceError, nbformat.ValidationError) as e:
        print(f"Fehler in der Quelle: {e}", file=sys.stderr)
        return 1

    if args.check:
        stale = [p for p, text in outputs.items() if not (ROOT / p).is_file() or (ROOT / p).read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"{p}: passt nicht zur Quelle – `make notebooks` ausführen", file=sys.stderr)
        return 1 if stale else 0

    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.is_file() else {}
    refused = []
    for path, text in outputs.items():
        target = ROOT / path
        if target.is_file():
            current = sha256(target.read_text(encoding="utf-8"))
            if current == sha256(text):
                continue
            if current != manifest.get(path) and not args.force:
                refused.append(path)
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
        print(f"geschrieben: {path}")
    for path, text in outputs.items():
        if path not in refused:
            manifest[path] = sha256(text)
    MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    for path in refused:
        print(
            f"NICHT überschrieben: {path} wurde seit der letzten Erzeugung verändert "
            "(z. B. im Notebook bearbeitet). Sichern Sie Ihre Änderungen und rufen Sie "
            "das Skript mit --force auf, um es neu zu erzeugen.",
            file=sys.stderr,
        )
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
