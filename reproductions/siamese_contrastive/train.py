"""Reproduces the Keras.io example "Image similarity estimation using a Siamese Network with a
contrastive loss".

Example: https://keras.io/examples/vision/siamese_contrastive/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/vision/siamese_contrastive.py
Followed: the current rendered page, examples/vision/md/siamese_contrastive.md @ 1152d883
("Last modified: 2026/01/28", the Keras 3 version whose model outputs the distance itself).

Facts carried over from the page: MNIST as raw float32 pixels (0-255, not rescaled: the
tower starts with BatchNormalization); the first 30,000 training images train, the other
30,000 validate, the 10,000 test images test. Pairs: for every image one partner of the same
digit (label 0, "similar") and one of a different digit drawn uniformly among the other nine
classes (label 1, "dissimilar"), partners picked with Python's ``random`` module, so 60,000
train, 60,000 validation and 20,000 test pairs. One shared tower (weights shared by both
inputs): BatchNormalization -> Conv2D(4, 5x5, tanh) -> AveragePooling2D(2) ->
Conv2D(16, 5x5, tanh) -> AveragePooling2D(2) -> Flatten -> BatchNormalization ->
Dense(10, tanh), 5,318 parameters; the model's output is the Euclidean distance of the two
embeddings, sqrt(max(sum of squares, epsilon)). Loss: the contrastive loss with margin 1,
mean((1 - y) * d^2 + y * max(margin - d, 0)^2). Accuracy: a pair counts as dissimilar when
d > 0.5. RMSprop with Keras' defaults, batch size 16, 10 epochs, the validation pairs as
validation data, then one evaluate() on the test pairs.

Differences from the example, none of which changes a weight update:
- the distance is a registered ``EuclideanDistance`` layer instead of a ``Lambda`` (a saved
  Lambda cannot be loaded in safe mode, which the Space and the Hub model need);
- the contrastive loss is a registered ``ContrastiveLoss`` class and the accuracy a
  registered function logged under the example's name ``accuracy`` (so the saved model's
  compile config can be restored); the loss flattens labels and distances to one axis before
  averaging, as Keras' function wrapper does for the example's function;
- the images get their channel axis here (28, 28, 1) instead of letting the functional model
  add it on the fly;
- the example's plots (sample pairs, curves, predicted pairs) are left out; the harness draws
  the training curves;
- pair sampling uses Python's ``random`` as the example does; it is seeded by the run's seed
  (``keras.utils.set_random_seed`` seeds Python, NumPy and the backend), so seeds differ in
  their pairs as well as in their initial weights.
"""

import random

import keras
import numpy as np
from keras import layers, ops

EPOCHS = 10
BATCH_SIZE = 16
MARGIN = 1.0  # contrastive loss margin
TRAIN_SIZE = 30000  # of the 60,000 MNIST training images; the rest validates
THRESHOLD = 0.5  # a distance above this says "different digits"
INPUT_SHAPE = (28, 28, 1)


def make_pairs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two pairs per image: a same-digit partner (label 0) and a different-digit one (label 1).

    Returns the first images, the second images and the float32 labels, 2 * len(x) of each,
    in the example's order (matching pair, then non-matching pair, image by image).
    """
    num_classes = int(max(y)) + 1
    by_class = [np.where(y == digit)[0] for digit in range(num_classes)]
    first, second, labels = [], [], []
    for index in range(len(x)):
        digit = y[index]
        first.append(index)
        second.append(random.choice(by_class[digit]))
        labels.append(0)
        other = random.randint(0, num_classes - 1)
        while other == digit:
            other = random.randint(0, num_classes - 1)
        first.append(index)
        second.append(random.choice(by_class[other]))
        labels.append(1)
    return x[first], x[second], np.array(labels, dtype="float32")


@keras.saving.register_keras_serializable(package="sprint")
class EuclideanDistance(layers.Layer):
    """sqrt(max(sum((a - b)^2), epsilon)) over the last axis, kept as a (batch, 1) column."""

    def call(self, inputs):
        a, b = inputs
        sum_square = ops.sum(ops.square(a - b), axis=1, keepdims=True)
        return ops.sqrt(ops.maximum(sum_square, keras.backend.epsilon()))

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)


@keras.saving.register_keras_serializable(package="sprint")
class ContrastiveLoss(keras.losses.Loss):
    """(1 - y) * d^2 + y * max(margin - d, 0)^2 per pair (y = 1: different digits)."""

    def __init__(self, margin: float = MARGIN, name: str = "contrastive_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.margin = margin

    def call(self, y_true, y_pred):
        y_pred = ops.reshape(y_pred, (-1,))
        y_true = ops.reshape(ops.cast(y_true, y_pred.dtype), (-1,))
        margin_square = ops.square(ops.maximum(self.margin - y_pred, 0.0))
        return (1.0 - y_true) * ops.square(y_pred) + y_true * margin_square

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


@keras.saving.register_keras_serializable(package="sprint")
def pair_accuracy(y_true, y_pred):
    """The share of pairs judged right: distance > 0.5 means "different digits" (label 1)."""
    y_true = ops.reshape(ops.cast(y_true, "float32"), (-1,))
    y_pred = ops.reshape(y_pred, (-1,))
    predicted = ops.cast(y_pred > THRESHOLD, "float32")
    return ops.mean(ops.cast(ops.equal(y_true, predicted), "float32"))


def embedding_network() -> keras.Model:
    """The shared tower: a 28x28x1 image to a 10-d tanh embedding."""
    inputs = keras.Input(INPUT_SHAPE)
    x = layers.BatchNormalization()(inputs)
    x = layers.Conv2D(4, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Conv2D(16, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dense(10, activation="tanh")(x)
    return keras.Model(inputs, x, name="embedding")


def build_model() -> keras.Model:
    """Two images in, the distance of their embeddings out (one tower for both)."""
    tower = embedding_network()
    input_1 = keras.Input(INPUT_SHAPE, name="image_1")
    input_2 = keras.Input(INPUT_SHAPE, name="image_2")
    distance = EuclideanDistance(name="distance")([tower(input_1), tower(input_2)])
    return keras.Model([input_1, input_2], distance, name="siamese_contrastive")


def load_pairs():
    """Train, validation and test pairs of raw float32 MNIST images with a channel axis."""
    (x_train_val, y_train_val), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train_val = np.expand_dims(x_train_val.astype("float32"), -1)
    x_test = np.expand_dims(x_test.astype("float32"), -1)
    x_train, x_val = x_train_val[:TRAIN_SIZE], x_train_val[TRAIN_SIZE:]
    y_train, y_val = y_train_val[:TRAIN_SIZE], y_train_val[TRAIN_SIZE:]
    train = make_pairs(x_train, y_train)
    val = make_pairs(x_val, y_val)
    test = make_pairs(x_test, y_test)
    print("pairs: train", len(train[2]), "validation", len(val[2]), "test", len(test[2]))
    return train, val, test


def main() -> None:
    (train_1, train_2, train_y), (val_1, val_2, val_y), (test_1, test_2, test_y) = load_pairs()
    model = build_model()
    model.compile(
        loss=ContrastiveLoss(margin=MARGIN),
        optimizer=keras.optimizers.RMSprop(),
        metrics=[keras.metrics.MeanMetricWrapper(pair_accuracy, name="accuracy")],
    )
    model.summary()
    model.fit(
        [train_1, train_2],
        train_y,
        validation_data=([val_1, val_2], val_y),
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        verbose=2,
    )
    results = model.evaluate([test_1, test_2], test_y, verbose=0)
    print("test loss, test acc:", results)


if __name__ == "__main__":
    main()
