"""The numpy side of `make bench`: the lesson's code on the benchmark data.

    python tests/reference/bench_numpy.py TRAIN.csv TEST.csv START.npz EPOCHS LR

Reads both CSV files with the lesson's np.genfromtxt (timed), scales and
encodes them as the lesson does, starts from the weights in START.npz and
trains EPOCHS epochs like the closing exercise: per epoch the training
forward pass, loss and accuracy, the test values with the same weights,
back_prop and update. Prints one JSON object for the load and one per epoch.
"""

import json
import sys
import time

import numpy as np

import lesson_numpy as ref


def main():
    train_csv, test_csv, start, epochs, lr = sys.argv[1:6]
    t0 = time.perf_counter()
    train_labels, train_images = ref.load_csv(train_csv)
    test_labels, test_images = ref.load_csv(test_csv)
    print(json.dumps({"load_seconds": time.perf_counter() - t0, "train": len(train_labels), "test": len(test_labels)}), flush=True)
    try:
        from threadpoolctl import threadpool_info

        blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpool_info()]
        print(json.dumps({"blas": blas}), flush=True)
    except ImportError:
        pass

    train_images = ref.min_max(train_images)
    test_images = ref.min_max(test_images)
    train_targets = ref.one_hot(train_labels)
    test_targets = ref.one_hot(test_labels)
    f = np.load(start)
    W, b = [f["W0"], f["W1"]], [f["b0"], f["b1"]]
    for epoch in range(1, int(epochs) + 1):
        t = time.perf_counter()
        _, _, test_y_hat = ref.forward_pass(W, b, test_images)
        Z_1, A_1, Y_hat = ref.forward_pass(W, b, train_images)
        row = {
            "epoch": epoch,
            "loss": ref.calc_loss(Y_hat, train_targets) / Y_hat.shape[0],
            "accuracy": ref.accuracy(train_labels, Y_hat),
            "test_loss": ref.calc_loss(test_y_hat, test_targets) / test_y_hat.shape[0],
            "test_accuracy": ref.accuracy(test_labels, test_y_hat),
        }
        grad_W, grad_b = ref.back_prop(train_images, Z_1, A_1, Y_hat, train_targets, W)
        W, b = ref.update(W, b, grad_W, grad_b, lr=float(lr))
        del Z_1, A_1, Y_hat, grad_W, grad_b
        row["seconds"] = time.perf_counter() - t
        print(json.dumps({k: float(v) for k, v in row.items()}), flush=True)


if __name__ == "__main__":
    main()
