# nbgrader configuration for the course "Erstes Neuronales Netz – in Rust".
#
# Copy this file into the course folder (scripts/nbgrader_course.py does it)
# or into ~/.jupyter/. The essential line is the code stub for the Rust
# kernel: nbgrader replaces every region between "// BEGIN SOLUTION" and
# "// END SOLUTION" by it. Every region of the lesson is the inside of a
# block `{ … }` whose value the following code needs, so `todo!()` there
# still compiles – exactly like the blanks of our own exercise notebook.

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "erstes-netz"

c.ClearSolutions.code_stub = {"rust": "// DEIN CODE HIER\ntodo!()"}
c.ClearSolutions.text_stub = "IHRE ANTWORT HIER"
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"

# The first cell of a notebook compiles the course library (about a minute
# the first time); training cells run for several seconds.
c.Execute.timeout = 1800
c.Execute.startup_timeout = 120

# Check cells print failures on stderr (nbgrader: no points); the lesson
# code never writes to stderr otherwise.

# evcxr answers a cell that fails to compile with an execute_reply of status
# "error" but without the fields "ename", "evalue" and "traceback" that the
# Jupyter protocol asks for; nbgrader 0.9 reads them and would abort the
# whole notebook ("KeyError: 'ename'"). Fill them in before nbgrader looks.
from nbgrader.preprocessors import execute as _execute  # noqa: E402

_on_cell_executed = _execute.Execute.on_cell_executed


def _on_cell_executed_with_complete_reply(self, **kwargs):
    content = kwargs["execute_reply"]["content"]
    if content.get("status") == "error":
        content.setdefault("ename", "Fehler")
        content.setdefault("evalue", "")
        content.setdefault("traceback", [])
    return _on_cell_executed(self, **kwargs)


_execute.Execute.on_cell_executed = _on_cell_executed_with_complete_reply
