"""Reproduces the Keras.io example "Convolutional autoencoder for image denoising".

Example: https://keras.io/examples/vision/autoencoder/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/vision/autoencoder.py

Facts carried over from the source: MNIST images scaled to [0, 1] with shape (28, 28, 1);
noisy copies = clip(image + 0.4 * N(0, 1), 0, 1); encoder Conv2D(32, 3x3, relu, same) ->
MaxPool(2, same) -> Conv2D(32, 3x3, relu, same) -> MaxPool(2, same), decoder
Conv2DTranspose(32, 3x3, stride 2, relu, same) x 2 -> Conv2D(1, 3x3, sigmoid, same); Adam with
its defaults, binary cross-entropy; first 50 epochs clean -> clean, then 100 epochs
noisy -> clean, batch size 128, shuffled, the test images (noisy input, clean target in the
second phase) as validation data.

The example reports only losses; the script closes by evaluating the denoiser on the noisy
test images against the clean ones, the figure the check compares.
"""

import keras
import numpy as np
from keras import layers

NOISE_FACTOR = 0.4
BATCH_SIZE = 128
CLEAN_EPOCHS = 50
DENOISE_EPOCHS = 100


def preprocess(images: np.ndarray) -> np.ndarray:
    return np.reshape(images.astype("float32") / 255.0, (len(images), 28, 28, 1))


def add_noise(images: np.ndarray) -> np.ndarray:
    noisy = images + NOISE_FACTOR * np.random.normal(0.0, 1.0, size=images.shape)
    return np.clip(noisy, 0.0, 1.0).astype("float32")


def build_autoencoder() -> keras.Model:
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(inputs)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
    outputs = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
    return keras.Model(inputs, outputs, name="denoising_autoencoder")


def main() -> None:
    (train, _), (test, _) = keras.datasets.mnist.load_data()
    train, test = preprocess(train), preprocess(test)
    noisy_train, noisy_test = add_noise(train), add_noise(test)

    autoencoder = build_autoencoder()
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    autoencoder.fit(
        train, train, epochs=CLEAN_EPOCHS, batch_size=BATCH_SIZE, shuffle=True,
        validation_data=(test, test),
    )
    autoencoder.fit(
        noisy_train, train, epochs=DENOISE_EPOCHS, batch_size=BATCH_SIZE, shuffle=True,
        validation_data=(noisy_test, test),
    )
    autoencoder.evaluate(noisy_test, test, batch_size=BATCH_SIZE)


if __name__ == "__main__":
    main()
