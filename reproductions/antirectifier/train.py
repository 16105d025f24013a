"""Reproduces the Keras.io example "Simple custom layer example: Antirectifier".

Example: https://keras.io/examples/keras_recipes/antirectifier/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/keras_recipes/antirectifier.py

Facts carried over from the source: an MLP 784 -> Dense(256) -> Antirectifier -> Dense(256)
-> Antirectifier -> Dropout(0.5) -> Dense(10) on flattened MNIST scaled to [0, 1] (we flatten
inside the model with a parameter-free Flatten, so the model takes 28x28 images), the
Antirectifier kernel initialised with he_normal, sparse categorical cross-entropy on logits,
RMSprop with its defaults, batch size 128, 20 epochs, validation_split=0.15, then one
evaluation on the 10,000 MNIST test images. Written in backend-agnostic Keras 3.
"""

import keras
from keras import layers, ops

BATCH_SIZE = 128
EPOCHS = 20
VALIDATION_SPLIT = 0.15


@keras.saving.register_keras_serializable(package="sprint")
class Antirectifier(layers.Layer):
    """Centres its input, keeps both signs as separate features, projects back to width."""

    def __init__(self, initializer="he_normal", **kwargs):
        super().__init__(**kwargs)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        width = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(2 * width, width), initializer=self.initializer, name="kernel"
        )

    def call(self, inputs):
        centred = inputs - ops.mean(inputs, axis=-1, keepdims=True)
        both_signs = ops.concatenate([ops.relu(centred), ops.relu(-centred)], axis=-1)
        return ops.matmul(both_signs, self.kernel)

    def get_config(self):
        return {
            **super().get_config(),
            "initializer": keras.initializers.serialize(self.initializer),
        }


def load_mnist():
    """MNIST images in [0, 1]: ((x_train, y_train), (x_test, y_test))."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    return (x_train, y_train), (x_test, y_test)


def build_model() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            layers.Flatten(),
            layers.Dense(256),
            Antirectifier(),
            layers.Dense(256),
            Antirectifier(),
            layers.Dropout(0.5),
            layers.Dense(10),
        ],
        name="antirectifier_mlp",
    )


def main() -> None:
    (x_train, y_train), (x_test, y_test) = load_mnist()
    model = build_model()
    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.RMSprop(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
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
