"""`check::fortschritt()` and `check::hinweis()` with the real Rust kernel: a
student's session with a solved, a wrong and an open exercise shows the right
overview, hints come one at a time across cells, and a kernel restart starts
afresh (each cell is its own library in evcxr, so the results must survive
outside the crate's statics)."""

import pytest

from test_kernel_faults import SETUP, Kernel, pytestmark  # noqa: F401  (same kernel set-up and skip rule)

CELLS = [
    ("setup", SETUP),
    (
        "solved",
        """\
fn my_init(i: usize, h: usize, o: usize, rng: &mut NumpyRng) -> (Weights, Biases) {
    init_weights(i, h, o, rng)
}
check::init_weights(my_init);
""",
    ),
    (
        "wrong",
        """\
fn my_update(w: Weights, b: Biases, _gw: &Weights, _gb: &Biases, _lr: f64) -> (Weights, Biases) {
    (w, b)
}
check::update(my_update);
""",
    ),
    (
        "open",
        """\
fn my_forward(_w: &Weights, _b: &Biases, _x: &Array2<f64>) -> (Array2<f64>, Array2<f64>, Array2<f64>) {
    todo!("z_1 = x · w[0]ᵀ + b[0]")
}
check::forward_pass(my_forward);
""",
    ),
    ("overview", "check::fortschritt()\n"),
    ("hint1", 'check::hinweis("forward_pass")\n'),
    ("hint2", 'check::hinweis("forward_pass")\n'),
]


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    kernel = Kernel(tmp_path_factory.mktemp("fortschritt"))
    out = {}
    try:
        for name, code in CELLS:
            out[name] = kernel.run(code)
        kernel.restart()
        out["setup2"] = kernel.run(SETUP)
        out["after_restart"] = kernel.run("check::fortschritt()\n")
    finally:
        kernel.stop()
    return out


def test_the_checks_ran(seen):
    assert "✅ init_weights" in seen["solved"][0], seen["solved"]
    assert "❌ update" in seen["wrong"][0], seen["wrong"]
    assert "✏️ forward_pass" in seen["open"][0], seen["open"]


def test_overview_shows_solved_wrong_and_open(seen):
    text, errors = seen["overview"]
    assert not errors, errors
    assert "Lektion 1" in text
    assert "✅ Weights und Bias initialisieren (init_weights)" in text, text
    assert "❌ Weights updaten (update)" in text, text
    assert "✏️ Forward Pass (forward_pass) – noch nicht fertig" in text, text
    assert "✏️ Backpropagation (back_prop) – noch nicht geprüft" in text, text
    assert "Noch zu tun: forward_pass" in text, text


def test_hints_come_one_at_a_time_across_cells(seen):
    first, second = seen["hint1"][0], seen["hint2"][0]
    assert "Hinweis 1 von 3" in first and "Hinweis 2 von 3" in second, (first, second)
    assert "w[0].t()" not in first, first


def test_a_restarted_kernel_starts_afresh(seen):
    text, errors = seen["after_restart"]
    assert not errors, errors
    assert "✅" not in text and "❌" not in text, text
    assert "✏️ Weights und Bias initialisieren (init_weights) – noch nicht geprüft" in text, text
