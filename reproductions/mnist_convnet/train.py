"""Reproduces the Keras.io example "Simple MNIST convnet".

Example: https://keras.io/examples/vision/mnist_convnet/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/vision/mnist_convnet.py

Facts carried over from the source: MNIST scaled to [0, 1] with shape (28, 28, 1) and one-hot
labels; Conv2D(32, 3x3, relu) -> MaxPool(2) -> Conv2D(64, 3x3, relu) -> MaxPool(2) -> Flatten
-> Dropout(0.5) -> Dense(10, softmax); categorical cross-entropy, Adam with its defaults,
batch size 128, 15 epochs, validation_split=0.1, then one evaluation on the 10,000 test images.
"""

import keras
import numpy as np
from keras import layers

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)
BATCH_SIZE = 128
EPOCHS = 15
VALIDATION_SPLIT = 0.1


def load_mnist():
    """MNIST images in [0, 1] with a channel axis, labels one-hot."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = np.expand_dims(x_train.astype("float32") / 255.0, -1)
    x_test = np.expand_dims(x_test.astype("float32") / 255.0, -1)
    return (
        (x_train, keras.utils.to_categorical(y_train, NUM_CLASSES)),
        (x_test, keras.utils.to_categorical(y_test, NUM_CLASSES)),
    )


def build_model() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="mnist_convnet",
    )


def main() -> None:
    (x_train, y_train), (x_test, y_test) = load_mnist()
    model = build_model()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        validation_split=VALIDATION_SPLIT,
    )
    model.evaluate(x_test, y_test, batch_size=BATCH_SIZE)


if __name__ == "__main__":
    main()
