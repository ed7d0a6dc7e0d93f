"""Writes tests/fixtures/numpy_init_weights.json: what numpy's legacy generator
gives for `np.random.seed(s); init_weights(784, 300, 10)`.

For each seed the fixture holds the SHA-256 of W[0] and W[1] (little-endian
f64 bytes, row-major), their first and last values and sums. The Rust test
numpy_rng_fixture.rs checks NumpyRng + init_weights against it bit for bit.

    .venv/bin/python tests/reference/make_rng_fixture.py
"""

import hashlib
import json
from pathlib import Path

import numpy as np

from lesson_numpy import init_weights

SEEDS = [1234, 0, 42, 4294967295]
OUT = Path(__file__).resolve().parent.parent / "fixtures" / "numpy_init_weights.json"


def describe(a):
    le = np.ascontiguousarray(a, dtype="<f8")
    return {
        "shape": list(a.shape),
        "sha256": hashlib.sha256(le.tobytes()).hexdigest(),
        "first": [repr(float(v)) for v in le.ravel()[:5]],
        "last": [repr(float(v)) for v in le.ravel()[-5:]],
        "sum": repr(float(le.sum())),
    }


def main():
    cases = []
    for seed in SEEDS:
        np.random.seed(seed)
        W, b = init_weights(784, 300, 10)
        cases.append({"seed": seed, "W0": describe(W[0]), "W1": describe(W[1])})
    fixture = {
        "made_by": "tests/reference/make_rng_fixture.py",
        "numpy": np.__version__,
        "call": "np.random.seed(seed); init_weights(784, 300, 10)",
        "cases": cases,
    }
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"{OUT}: {len(cases)} Seeds")


if __name__ == "__main__":
    main()
