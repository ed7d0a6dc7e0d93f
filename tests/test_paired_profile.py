"""scripts/paired_profile.py: reading the step table of `erstes-netz train --profile`."""

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import paired_profile  # noqa: E402

# As the command line prints it (07.12., Fashion-MNIST), with the epoch lines before.
OUTPUT = """\
Epoche   5/6  Loss 2.1315  Accuracy 0.3575  Test-Loss 2.1322  Test-Accuracy 0.3601  (0.35 s)
Epoche   6/6  Loss 2.0990  Accuracy 0.4000  Test-Loss 2.0998  Test-Accuracy 0.3995  (0.36 s)

Zeit je Rechenschritt, Mittel über 5 Epoche(n):
Schritt                        Aufrufe ms/Epoche  Anteil  GFLOP/s    GB/s
z_1 = x·w[0]ᵀ                        2     173.4   48.7%    189.9     3.5
a_1 = sigmoid(z_1 + b[0]), z_2       2      21.7    6.1%     23.2    15.5
calc_loss, accuracy                  1       1.9    0.5%      0.6     5.2
dw_1 = dz_1ᵀ·x / n                   1     125.8   35.4%    224.4     4.2
update                               1       0.2    0.1%      2.2    26.9
Summe der Schritte                         355.8
"""


def test_profile_steps_in_order_with_the_sum():
    steps = paired_profile.profile_steps(OUTPUT)
    assert list(steps) == [
        "z_1 = x·w[0]ᵀ",
        "a_1 = sigmoid(z_1 + b[0]), z_2",
        "calc_loss, accuracy",
        "dw_1 = dz_1ᵀ·x / n",
        "update",
        "Summe der Schritte",
    ]
    assert steps["z_1 = x·w[0]ᵀ"] == 173.4 and steps["update"] == 0.2
    assert steps["Summe der Schritte"] == 355.8
    # the time of the epoch differs from run to run: left out
    assert paired_profile.last_epoch(OUTPUT) == (
        "Epoche   6/6  Loss 2.0990  Accuracy 0.4000  Test-Loss 2.0998  Test-Accuracy 0.3995"
    )


def test_a_profile_without_its_sum_is_an_error():
    cut = OUTPUT[: OUTPUT.index("Summe")]
    with pytest.raises(ValueError, match="Summe der Schritte"):
        paired_profile.profile_steps(cut)


def test_table_takes_medians_and_pairwise_ratios_and_marks_missing_steps():
    before = [{"x·w": 10.0, "σ": 4.0, "Summe der Schritte": 14.0}, {"x·w": 20.0, "σ": 2.0, "Summe der Schritte": 22.0}]
    after = [{"beides": 9.0, "Summe der Schritte": 9.0}, {"beides": 22.0, "Summe der Schritte": 22.0}]
    rows = paired_profile.table(before, after)
    assert rows[2:] == [
        "| x·w | 15.0 | – | – |",
        "| σ | 3.0 | – | – |",
        "| beides | – | 15.5 | – |",
        # pairs 9/14 and 22/22: median of the ratios, not ratio of the medians
        f"| Summe der Schritte | 18.0 | 15.5 | {(9 / 14 + 1) / 2:.3f} |",
    ]
