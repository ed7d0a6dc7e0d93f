"""scripts/bench_notebook.py: which cells of an executed lesson count as "ordinary"
(the row of the benchmark table that shows what a student waits for between steps)."""

import sys

import nbformat

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import bench_notebook  # noqa: E402


def timed(source, start, seconds):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["execution"] = {
        "iopub.execute_input": f"2026-12-06T21:00:{start:06.3f}Z",
        "shell.execute_reply": f"2026-12-06T21:00:{start + seconds:06.3f}Z",
    }
    return cell


def test_ordinary_cells_leave_out_set_up_data_and_training_loops():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        timed(":dep erstes_netz = …", 0, 5.5),
        nbformat.v4.new_markdown_cell("## Daten"),
        timed("let Mnist { .. } = load_data()?;", 6, 4.25),
        timed("train_images.shape()", 11, 0.5),
        nbformat.v4.new_code_cell("// nie ausgeführt"),
        timed("let epochs = 50;\nfor i in 0..epochs {\n    // Training\n}", 12, 6.0),
        timed("check::update(update)", 19, 0.75),
        timed("for (i, bild) in bilder.iter().enumerate() {}", 20, 1.0),
    ]
    assert [round(t, 3) for _, t in bench_notebook.cell_seconds(nb)] == [5.5, 4.25, 0.5, 6.0, 0.75, 1.0]
    assert [round(t, 3) for t in bench_notebook.ordinary_cells(nb)] == [0.5, 0.75, 1.0]


def test_epoch_steps_take_the_median_of_each_step_in_order():
    import bench_epoch_steps

    text = "STEP\tx·w[0]ᵀ\t16.0\nSTEP\t+ b[0]\t4.5\nEpoche 1\nSTEP\tx·w[0]ᵀ\t14.0\nSTEP\t+ b[0]\t5.5\nSTEP\tx·w[0]ᵀ\t30.0\n"
    assert bench_epoch_steps.medians(text) == {"x·w[0]ᵀ": 16.0, "+ b[0]": 5.0}
    assert list(bench_epoch_steps.medians(text)) == ["x·w[0]ᵀ", "+ b[0]"]


def test_epoch_row_quotes_the_median_ratio_pair_by_pair_and_its_range():
    # Pairs 62/35, 70/40, 66/33 ms: ratios 1.771, 1.75, 2.0 – the median ratio is 1.77,
    # not the ratio of the medians (66/35 = 1.89).
    row = bench_notebook.epoch_row([0.062, 0.070, 0.066], [0.035, 0.040, 0.033], True, "10")
    assert "66 ms gegen 35 ms = 1.77× (1.75–2.00×)" in row, row
    assert "3 Paare" in row and "Epoche 2–10" in row and "WEICHEN" not in row
    assert "(WERTE WEICHEN AB)" in bench_notebook.epoch_row([0.05], [0.04], False, "10")
