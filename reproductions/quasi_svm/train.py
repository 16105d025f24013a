"""Reproduces the Keras.io example "A Quasi-SVM in Keras".

Example: https://keras.io/examples/keras_recipes/quasi_svm/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/keras_recipes/quasi_svm.py

Facts carried over from the source: flattened MNIST scaled to [0, 1] with one-hot labels
(flattened inside the model by a parameter-free Flatten, so the model takes 28x28 images), a
random Fourier feature map (4096 features, Gaussian kernel, scale 10, not trained) followed by
Dense(10), hinge loss, Adam(1e-3), batch size 128, 20 epochs, validation_split=0.2. The
feature map follows tf.keras' ``RandomFourierFeatures`` (TF 2.2-2.15), which Keras 3 no
longer ships: ``cos(x @ W / scale + b)`` with ``W ~ N(0, 1)`` and ``b ~ U(0, 2*pi)``, all
frozen because the layer's ``trainable`` defaults to False.

The example reports only the validation accuracy of its last epoch; the closing evaluation on
the MNIST test set is ours (kept for the record, not compared with anything).
"""

import math

import keras
from keras import layers, ops

BATCH_SIZE = 128
EPOCHS = 20
VALIDATION_SPLIT = 0.2
FEATURES = 4096
SCALE = 10.0


@keras.saving.register_keras_serializable(package="sprint")
class RandomFourierFeatures(layers.Layer):
    """Frozen random features approximating a Gaussian (RBF) kernel."""

    def __init__(self, output_dim, scale=SCALE, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim
        self.scale = scale

    def build(self, input_shape):
        self.projection = self.add_weight(
            shape=(input_shape[-1], self.output_dim),
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            trainable=False,
            name="projection",
        )
        self.phase = self.add_weight(
            shape=(self.output_dim,),
            initializer=keras.initializers.RandomUniform(0.0, 2 * math.pi),
            trainable=False,
            name="phase",
        )

    def call(self, inputs):
        return ops.cos(ops.matmul(inputs, self.projection) / self.scale + self.phase)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.output_dim)

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim, "scale": self.scale}


def load_mnist():
    """MNIST images in [0, 1] with one-hot labels."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    return (
        (x_train, keras.utils.to_categorical(y_train, 10)),
        (x_test, keras.utils.to_categorical(y_test, 10)),
    )


def build_model() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            layers.Flatten(),
            RandomFourierFeatures(FEATURES, scale=SCALE),
            layers.Dense(10),
        ],
        name="quasi_svm",
    )


def main() -> None:
    (x_train, y_train), (x_test, y_test) = load_mnist()
    model = build_model()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss=keras.losses.Hinge(),
        metrics=[keras.metrics.CategoricalAccuracy(name="acc")],
    )
    model.fit(
        x_train,
        y_train,
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        validation_split=VALIDATION_SPLIT,
    )
    model.evaluate(x_test, y_test, batch_size=BATCH_SIZE)


if __name__ == "__main__":
    main()
