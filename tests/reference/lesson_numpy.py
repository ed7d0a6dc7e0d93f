"""The numpy original of the lesson, as the trusted reference for the Rust crate.

The functions below are the lesson's solution code (sigmoid, softmax, one_hot,
min_max, init_weights, forward_pass, calc_loss, accuracy, back_prop, update),
with one change only: back_prop takes W as an argument instead of reading a
global. The math, the order of operations and the random draws are the
original's, so the Rust crate must reproduce these numbers.
"""

import gzip
import io

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x, axis=1):
    return np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True)


def one_hot(labels):
    one_hot_matrix = np.zeros([len(labels), len(set(labels))])
    for i, x in enumerate(labels):
        one_hot_matrix[i, x] = 1
    return one_hot_matrix


def min_max(x):
    return (x - np.min(x)) / (np.max(x) - np.min(x))


def init_weights(input_size, hidden_size, output_size):
    b = [0] * 2
    W = [0] * 2
    W[0] = np.random.randn(hidden_size, input_size) * np.sqrt(2 / input_size)
    W[1] = np.random.randn(output_size, hidden_size) * np.sqrt(2 / hidden_size)
    b[0] = np.zeros(hidden_size)
    b[1] = np.zeros(output_size)
    return W, b


def forward_pass(W, b, X):
    Z_1 = np.matmul(X, W[0].transpose()) + b[0]
    A_1 = sigmoid(Z_1)
    Z_2 = np.matmul(A_1, W[1].transpose()) + b[1]
    Y_hat = softmax(Z_2)
    return Z_1, A_1, Y_hat


def calc_loss(y_hat, y):
    return -np.sum(np.log(y_hat) * y)


def accuracy(true_labels, predicted):
    pred_labels = np.argmax(predicted, axis=1)
    correct_predicted = np.sum(true_labels == pred_labels)
    return correct_predicted / true_labels.shape[0]


def back_prop(X, Z_1, A_1, Y_hat, y, W):
    n = X.shape[0]
    dZ_2 = Y_hat - y
    dW_2 = np.matmul(dZ_2.transpose(), A_1) / n
    db_2 = np.sum(dZ_2, axis=0) / n
    dZ_1 = np.multiply(np.matmul(dZ_2, W[1]), np.multiply(A_1, 1 - A_1))
    dW_1 = np.matmul(dZ_1.transpose(), X) / n
    db_1 = np.sum(dZ_1, axis=0) / n
    return [dW_1, dW_2], [db_1, db_2]


def update(W, b, grad_W, grad_b, lr=0.0001):
    W[0] = W[0] - lr * grad_W[0]
    W[1] = W[1] - lr * grad_W[1]
    b[0] = b[0] - lr * grad_b[0]
    b[1] = b[1] - lr * grad_b[1]
    return W, b


def load_csv(path):
    """The lesson's np.genfromtxt, also for .gz files; returns (labels, images)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    data = np.genfromtxt(io.BytesIO(raw), delimiter=",", skip_header=False)
    return data[:, 0].astype(int), data[:, 1:]


def train(W, b, train_images, train_labels, test_images, test_labels, epochs, lr):
    """The lesson's loop, with the closing exercise's test values per epoch.

    Returns the final weights and one dict per epoch; loss and accuracy come
    from the epoch's forward pass before its update, the test values from the
    same weights.
    """
    train_targets = one_hot(train_labels)
    test_targets = one_hot(test_labels)
    history = []
    for _ in range(epochs):
        _, _, test_y_hat = forward_pass(W, b, test_images)
        Z_1, A_1, Y_hat = forward_pass(W, b, train_images)
        history.append(
            {
                "loss": calc_loss(Y_hat, train_targets) / Y_hat.shape[0],
                "accuracy": accuracy(train_labels, Y_hat),
                "test_loss": calc_loss(test_y_hat, test_targets) / test_y_hat.shape[0],
                "test_accuracy": accuracy(test_labels, test_y_hat),
            }
        )
        grad_W, grad_b = back_prop(train_images, Z_1, A_1, Y_hat, train_targets, W)
        W, b = update(W, b, grad_W, grad_b, lr=lr)
    return W, b, history
