"""Reproduces the Keras.io example "MixUp augmentation for image classification".

Example: https://keras.io/examples/vision/mixup/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/vision/mixup.py

Facts carried over from the example: Fashion-MNIST scaled to [0, 1] with shape (28, 28, 1) and
one-hot labels; the first 2,000 training images are the validation set, the other 58,000 the
training set; batch size 64, 10 epochs. mixup: two independently shuffled passes over the
training set are paired batch by batch, and each pair of samples is mixed with its own
lambda ~ Beta(0.2, 0.2), drawn as g1 / (g1 + g2) with g1, g2 ~ Gamma(0.2): image = lambda *
image_1 + (1 - lambda) * image_2, and the same lambda mixes the one-hot labels; new lambdas
every batch of every epoch. Model: Conv2D(16, 5x5, relu) -> MaxPool(2) -> Conv2D(32, 5x5,
relu) -> MaxPool(2) -> Dropout(0.2) -> GlobalAveragePooling2D -> Dense(128, relu) ->
Dense(10, softmax); categorical cross-entropy, Adam with its defaults, accuracy. One set of
initial weights is shared by two models: one trained on the mixed batches, one on the plain
shuffled batches; each is evaluated once on the 10,000 test images.

Differences from the example:
- The pipeline is NumPy in a ``keras.utils.PyDataset`` instead of ``tf.data``, so the script
  runs on every backend; the Gamma draws come from NumPy (the example calls
  ``tf.random.gamma``); the mixing formula is the example's.
- Each pass is a full permutation of the 58,000 training images every epoch; the example's
  ``shuffle(BATCH_SIZE * 100)`` is a 6,400-image shuffle buffer. The plain model is fitted on
  the arrays with ``shuffle=True`` (a full permutation too) instead of the example's
  ``train_ds_one``. Batches are as in the example: 906 of 64 and a last one of 16.
- The shared initial weights are copied in memory (``get_weights``/``set_weights``) instead of
  through an ``.h5`` file.
- The plain model is trained first and the mixup model second (the example's order is the
  reverse), so that the last model fitted, the one a run keeps, is the mixup model. The two
  share only their initial weights, so the order changes only which random draws each uses.
- The input layer is ``keras.Input`` rather than an ``input_shape`` argument; ``verbose=2``;
  the nine-sample preview plot is left out.
"""

import keras
import numpy as np
from keras import layers

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)
BATCH_SIZE = 64
EPOCHS = 10
VAL_SAMPLES = 2000
ALPHA = 0.2
CLASS_NAMES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


def load_fashion_mnist():
    """Fashion-MNIST in [0, 1] with a channel axis, one-hot labels."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    x_train = np.reshape(x_train.astype("float32") / 255.0, (-1, *INPUT_SHAPE))
    x_test = np.reshape(x_test.astype("float32") / 255.0, (-1, *INPUT_SHAPE))
    y_train = keras.utils.to_categorical(y_train, NUM_CLASSES).astype("float32")
    y_test = keras.utils.to_categorical(y_test, NUM_CLASSES).astype("float32")
    return (x_train, y_train), (x_test, y_test)


def sample_beta(rng: np.random.Generator, size: int, alpha: float = ALPHA) -> np.ndarray:
    """lambda ~ Beta(alpha, alpha) as the ratio of two Gamma(alpha) draws."""
    g1 = rng.gamma(alpha, size=size)
    g2 = rng.gamma(alpha, size=size)
    total = g1 + g2
    # Both draws underflow to 0 with negligible probability; such a pair keeps sample one.
    return np.where(total > 0, g1 / np.where(total > 0, total, 1.0), 1.0).astype("float32")


def mix_up(images_one, labels_one, images_two, labels_two, lam):
    """Per-sample convex combination of two batches of images and their one-hot labels."""
    x_l = np.reshape(lam, (-1, 1, 1, 1))
    y_l = np.reshape(lam, (-1, 1))
    images = images_one * x_l + images_two * (1 - x_l)
    labels = labels_one * y_l + labels_two * (1 - y_l)
    return images, labels


class MixUpBatches(keras.utils.PyDataset):
    """Batches of two independently shuffled passes over (x, y), mixed pairwise."""

    def __init__(self, x, y, batch_size: int, alpha: float, seed: int, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.alpha = alpha
        self.rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def on_epoch_end(self) -> None:
        # Everything an epoch draws is fixed here, so batch order cannot change the draws.
        n = len(self.x)
        self.order_one = self.rng.permutation(n)
        self.order_two = self.rng.permutation(n)
        self.lam = sample_beta(self.rng, n, self.alpha)

    def __getitem__(self, index: int):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        one, two = self.order_one[part], self.order_two[part]
        return mix_up(self.x[one], self.y[one], self.x[two], self.y[two], self.lam[part])


def get_training_model() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(16, (5, 5), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(32, (5, 5), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.2),
            layers.GlobalAveragePooling2D(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def compiled_copy(initial_weights, name: str) -> keras.Model:
    model = get_training_model()
    model.name = name
    model.set_weights(initial_weights)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def main() -> None:
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    x_val, y_val = x_train[:VAL_SAMPLES], y_train[:VAL_SAMPLES]
    new_x_train, new_y_train = x_train[VAL_SAMPLES:], y_train[VAL_SAMPLES:]
    print("train:", new_x_train.shape, "validation:", x_val.shape, "test:", x_test.shape)

    initial_weights = get_training_model().get_weights()

    # Without mixup (the example's second model).
    plain = compiled_copy(initial_weights, "without_mixup")
    plain.fit(
        new_x_train,
        new_y_train,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        shuffle=True,
        validation_data=(x_val, y_val),
        verbose=2,
    )
    _, test_acc = plain.evaluate(x_test, y_test, batch_size=BATCH_SIZE, verbose=0)
    print(f"Test accuracy without mixup: {test_acc * 100:.2f}%")

    # With mixup (the example's first model).
    mixed = compiled_copy(initial_weights, "with_mixup")
    train_mu = MixUpBatches(
        new_x_train, new_y_train, BATCH_SIZE, ALPHA, seed=int(np.random.randint(2**31))
    )
    mixed.fit(train_mu, validation_data=(x_val, y_val), epochs=EPOCHS, verbose=2)
    _, test_acc = mixed.evaluate(x_test, y_test, batch_size=BATCH_SIZE, verbose=0)
    print(f"Test accuracy with mixup: {test_acc * 100:.2f}%")


if __name__ == "__main__":
    main()
