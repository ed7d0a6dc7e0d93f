# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# The code cells of the original Python lesson "Erstes Neuronales Netzwerk" with every blank
# filled in as its collapsed solutions show, cell for cell. Only the data source differs: the
# original reads the full MNIST CSVs from the web with np.genfromtxt; here np.genfromtxt reads
# the bundled 8,000/2,000 digits (the data our Rust notebook uses). `make bench-notebook` runs
# it with ipykernel to compare the whole lesson against the Rust notebook.

# %%
import numpy as np
from matplotlib import pyplot as plt
# %matplotlib inline

# %%
def sigmoid(x):
    return 1 / (1 + np.exp(-x))

def softmax(x, axis=1):
    return np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True)

# %%
def one_hot(labels):
    one_hot_matrix = np.zeros([len(labels), len(set(labels))])
    for i, x in enumerate(labels):
        one_hot_matrix[i, x] = 1
    return one_hot_matrix

# %%
def min_max(x):
    return (x - np.min(x)) / (np.max(x) - np.min(x))

# %%
train_data = np.genfromtxt("../../data/bundled/mnist_train_8000.csv.gz", delimiter=",", skip_header=False)
test_data = np.genfromtxt("../../data/bundled/mnist_test_2000.csv.gz", delimiter=",", skip_header=False)
train_labels = train_data[:, 0].astype(int)
train_images = train_data[:, 1:]
test_labels = test_data[:, 0].astype(int)
test_images = test_data[:, 1:]
del train_data, test_data

# %%
train_images.shape

# %%
train_targets = one_hot(train_labels)
test_targets = one_hot(test_labels)
train_targets[:5, :]

# %%
train_images = min_max(train_images)
test_images = min_max(test_images)

# %%
plt.imshow(train_images[0].reshape([28, 28]), cmap="gray")
print("Correct Label: %s" % train_labels[0])

# %%
def init_weights(input_size, hidden_size, output_size):
    b = [0] * 2
    W = [0] * 2
    W[0] = np.random.randn(hidden_size, input_size) * np.sqrt(2 / input_size)
    W[1] = np.random.randn(output_size, hidden_size) * np.sqrt(2 / hidden_size)
    b[0] = np.zeros(hidden_size)
    b[1] = np.zeros(output_size)
    return W, b

# %%
np.random.seed(1234)
W, b = init_weights(784, 200, 10)

# %%
W[0].shape

# %%
def forward_pass(W, b, X):
    Z_1 = np.matmul(X, W[0].transpose()) + b[0]
    A_1 = sigmoid(Z_1)
    Z_2 = np.matmul(A_1, W[1].transpose()) + b[1]
    Y_hat = softmax(Z_2)
    return Z_1, A_1, Y_hat

# %%
def calc_loss(y_hat, y):
    return -np.sum(np.log(y_hat) * y)

# %%
np.random.seed(1234)
W, b = init_weights(784, 300, 10)
Z_1, A_1, Y_hat = forward_pass(W, b, train_images)
calc_loss(Y_hat, train_targets) / Y_hat.shape[0]

# %%
def accuracy(true_labels, predicted):
    pred_labels = np.argmax(predicted, axis=1)
    correct_predicted = np.sum(true_labels == pred_labels)
    return correct_predicted / true_labels.shape[0]

# %%
accuracy(train_labels, Y_hat)

# %%
def back_prop(X, Z_1, A_1, Y_hat, y):
    n = X.shape[0]
    dZ_2 = Y_hat - y
    dW_2 = np.matmul(dZ_2.transpose(), A_1) / n
    db_2 = np.sum(dZ_2, axis=0) / n
    dZ_1 = np.multiply(np.matmul(dZ_2, W[1]), np.multiply(A_1, 1 - A_1))
    dW_1 = np.matmul(dZ_1.transpose(), X) / n
    db_1 = np.sum(dZ_1, axis=0) / n
    return [dW_1, dW_2], [db_1, db_2]

# %%
def update(W, b, grad_W, grad_b, lr=0.0001):
    W[0] = W[0] - lr * grad_W[0]
    W[1] = W[1] - lr * grad_W[1]
    b[0] = b[0] - lr * grad_b[0]
    b[1] = b[1] - lr * grad_b[1]
    return W, b

# %%
np.random.seed(1234)
W, b = init_weights(input_size=784, hidden_size=300, output_size=10)
Z_1, A_1, Y_hat = forward_pass(W, b, train_images)
print("Loss beim ersten Durchlauf: ", calc_loss(Y_hat, train_targets) / Y_hat.shape[0],
      "\nGenauigkeit beim ersten Durchlauf:", accuracy(train_labels, Y_hat))
grad_W, grad_b = back_prop(train_images, Z_1, A_1, Y_hat, train_targets)
W, b = update(W, b, grad_W, grad_b, lr=0.1)

# %%
Z_1, A_1, Y_hat = forward_pass(W, b, train_images)
print("Loss beim zweiten Durchlauf:", calc_loss(Y_hat, train_targets) / Y_hat.shape[0],
      "\nGenauigkeit beim zweiten Durchlauf:", accuracy(train_labels, Y_hat))

# %%
np.random.seed(1234)
W, b = init_weights(784, 300, 10)
EPOCHS = 50
for i in range(EPOCHS):
    Z_1, A_1, Y_hat = forward_pass(W, b, train_images)
    loss = calc_loss(Y_hat, train_targets) / Y_hat.shape[0]
    acc = accuracy(train_labels, Y_hat)
    print(i, "Training Loss: %.2f Training Accuracy: %.2f" % (loss, acc))
    grad_W, grad_b = back_prop(train_images, Z_1, A_1, Y_hat, train_targets)
    W, b = update(W, b, grad_W, grad_b, lr=0.1)

# %%
np.random.seed(1234)
W, b = init_weights(784, 300, 10)
loss = []
EPOCHS = 50
for i in range(EPOCHS):
    Z_1, A_1, Y_hat = forward_pass(W, b, train_images)
    loss = calc_loss(Y_hat, train_targets) / Y_hat.shape[0]
    acc = accuracy(train_labels, Y_hat)
    print(i, "Training Loss: %.2f Training Accuracy: %.2f" % (loss, acc))
    grad_W, grad_b = back_prop(train_images, Z_1, A_1, Y_hat, train_targets)
    W, b = update(W, b, grad_W, grad_b, lr=0.3)

# %%
np.random.seed(1234)
loss = []
EPOCHS = 25
for i in range(EPOCHS):
    Z_1, A_1, Y_hat = forward_pass(W, b, train_images)
    loss = calc_loss(Y_hat, train_targets) / Y_hat.shape[0]
    acc = accuracy(train_labels, Y_hat)
    print("Training Loss: %.2f Training Accuracy: %.2f" % (loss, acc))
    grad_W, grad_b = back_prop(train_images, Z_1, A_1, Y_hat, train_targets)
    W, b = update(W, b, grad_W, grad_b, lr=0.3)

# %%
_, _, test_y_hat = forward_pass(W, b, test_images)
accuracy(test_labels, test_y_hat)

# %%
falsche_klassifizierung = np.where(test_labels != np.argmax(test_y_hat, axis=1))[0]
len(falsche_klassifizierung)

# %%
probs = []
for image in falsche_klassifizierung:
    probs.append(test_y_hat[image, test_labels[image]])

# %%
falsche_klassifizierung = falsche_klassifizierung[np.argsort(probs)]

# %%
for i in range(10):
    plt.imshow(test_images[falsche_klassifizierung[i]].reshape([28, 28]), cmap="gray")
    plt.show()
    print("Predicted Label: %s, Correct Label %s" % (
        np.argmax(test_y_hat, axis=1)[falsche_klassifizierung[i]],
        test_labels[falsche_klassifizierung[i]]))

# %%
np.random.seed(1234)
W, b = init_weights(784, 300, 10)
EPOCHS = 25
for i in range(EPOCHS):
    z_1, a_1, y_hat = forward_pass(W, b, train_images)
    loss = calc_loss(y_hat, train_targets) / y_hat.shape[0]
    acc = accuracy(train_labels, y_hat)
    _, _, test_y_hat = forward_pass(W, b, test_images)
    test_loss = calc_loss(test_y_hat, test_targets) / test_y_hat.shape[0]
    test_acc = accuracy(test_labels, test_y_hat)
    print("Training Loss: %.2f Training Accuracy: %.2f Test Loss: %.2f Test Accuracy: %.2f"
          % (loss, acc, test_loss, test_acc))
    grad_W, grad_b = back_prop(train_images, z_1, a_1, y_hat, train_targets)
    W, b = update(W, b, grad_W, grad_b, lr=0.3)
