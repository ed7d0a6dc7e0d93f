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

c.ClearSolutions.code_stub = {"rust": "// IHR CODE HIER\ntodo!()"}
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
_on_cell_executed = getattr(_on_cell_executed, "__wrapped__", _on_cell_executed)  # read more than once per run


def _on_cell_executed_with_complete_reply(self, **kwargs):
    content = kwargs["execute_reply"]["content"]
    if content.get("status") == "error":
        content.setdefault("ename", "Fehler")
        content.setdefault("evalue", "")
        # nbgrader shows this line as the error output of the cell (an empty list
        # would read "An error occurred while showtraceback was disabled").
        content.setdefault("traceback", ["Die Zelle ließ sich nicht übersetzen oder brach ab – die Meldung steht darüber."])
    return _on_cell_executed(self, **kwargs)


_on_cell_executed_with_complete_reply.__wrapped__ = _on_cell_executed
_execute.Execute.on_cell_executed = _on_cell_executed_with_complete_reply


# A cell that runs longer than c.Execute.timeout is interrupted (nbgrader
# sets interrupt_on_timeout) and gets nbgrader's error_on_timeout as its
# error output: "No reply from kernel before timeout" – which says neither
# why the following cells fail nor what to do. Interrupting evcxr ends its
# child process, so all variables are gone and every later cell that uses
# one fails too. Put a German explanation with the limit in effect into the
# cell instead. nbclient (0.11) passes that limit to _async_handle_timeout,
# the place where it turns error_on_timeout into the cell's execute_reply.
# nbgrader reads this file more than once per run: wrap the original only.
_handle_timeout = _execute.Execute._async_handle_timeout
_handle_timeout = getattr(_handle_timeout, "__wrapped__", _handle_timeout)


def _timeout_explained(timeout, assignment):
    name = "Zeitlimit überschritten"
    value = f"Diese Zelle lief länger als das Zeitlimit von {timeout} Sekunden und wurde abgebrochen."
    lines = [
        f"\x1b[0;31m{name}\x1b[0m: {value}",
        "Beim Rust-Kernel gehen dabei alle Variablen verloren: Folgende Zellen scheitern deshalb als Folgefehler.",
        "Abhilfe: c.Execute.timeout in nbgrader_config.py erhöhen und "
        f"`nbgrader autograde {assignment} --force` erneut ausführen.",
    ]
    return name, value, lines


async def _handle_timeout_explained(self, timeout, cell=None):
    reply = await _handle_timeout(self, timeout, cell)
    if reply is not None:  # None: error_on_timeout switched off, the kernel's own reply counts
        assignment = (getattr(self, "resources", None) or {}).get("nbgrader", {}).get("assignment") or "<aufgabe>"
        name, value, lines = _timeout_explained(timeout, assignment)
        reply["content"].update(ename=name, evalue=value, traceback=lines)
        self.log.warning("%s %s", value, " ".join(lines[1:]))
    return reply


_handle_timeout_explained.__wrapped__ = _handle_timeout
_execute.Execute._async_handle_timeout = _handle_timeout_explained
