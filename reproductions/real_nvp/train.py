"""Reproduces the Keras.io example "Density estimation using Real NVP".

Example: https://keras.io/examples/generative/real_nvp/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/generative/real_nvp.py

Facts carried over from the source: 3,000 points of scikit-learn's two moons
(``make_moons(3000, noise=0.05)``, float32), standardised per axis by a ``Normalization``
layer adapted on them; six affine coupling layers with alternating masks [0, 1], [1, 0];
each coupling layer has two MLPs on the masked input, scale s (4 x Dense(256, relu) ->
Dense(2, tanh)) and translation t (4 x Dense(256, relu) -> Dense(2, linear)), every Dense
with an L2(0.01) kernel regulariser; a standard 2-d normal latent distribution; loss = the
batch mean of -(log N(z; 0, I) + log|det dz/dx|); Adam(learning_rate=1e-4), batch size
256, 300 epochs, ``validation_split=0.2``.

Written backend-agnostic (keras.ops) instead of the example's TensorFlow ``train_step`` and
TensorFlow Probability distribution. As in the example, the loss is the negative
log-likelihood alone: its custom ``train_step`` never adds the layers' regularisation
losses, so the L2 regularisers are declared but do not enter training; ``compute_loss``
here returns the same quantity. ``call`` maps data to latent space (the example's
``training=True`` direction, used by both its train and test steps); ``generate`` maps
latent points back to data.
"""

import math

import keras
import numpy as np
from keras import layers, ops, regularizers
from sklearn.datasets import make_moons

NUM_POINTS = 3000
NOISE = 0.05
NUM_COUPLING_LAYERS = 6
HIDDEN_UNITS = 256
L2 = 0.01
LEARNING_RATE = 1e-4
BATCH_SIZE = 256
EPOCHS = 300
VALIDATION_SPLIT = 0.2


def mlp(inputs, activation: str):
    """Four Dense(256, relu) layers and a 2-unit output layer, all L2(0.01)-regularised."""
    x = inputs
    for _ in range(4):
        x = layers.Dense(
            HIDDEN_UNITS, activation="relu", kernel_regularizer=regularizers.l2(L2)
        )(x)
    return layers.Dense(2, activation=activation, kernel_regularizer=regularizers.l2(L2))(x)


def coupling(dim: int = 2) -> keras.Model:
    """The scale (tanh) and translation (linear) networks of one affine coupling layer."""
    inputs = keras.Input(shape=(dim,))
    return keras.Model(inputs, [mlp(inputs, "tanh"), mlp(inputs, "linear")])


@keras.saving.register_keras_serializable(package="sprint")
class RealNVP(keras.Model):
    """A Real NVP flow on 2-d points: ``call`` maps data x to latent z with log|det dz/dx|."""

    def __init__(self, num_coupling_layers: int = NUM_COUPLING_LAYERS, **kwargs):
        super().__init__(**kwargs)
        self.num_coupling_layers = num_coupling_layers
        self.masks = np.array([[0, 1], [1, 0]] * (num_coupling_layers // 2), dtype="float32")
        self.layers_list = [coupling(2) for _ in range(num_coupling_layers)]

    def call(self, x):
        log_det = ops.zeros(ops.shape(x)[:1])
        for i in reversed(range(self.num_coupling_layers)):
            mask = self.masks[i]
            x_masked = x * mask
            s, t = self.layers_list[i](x_masked)
            s, t = s * (1 - mask), t * (1 - mask)
            x = (1 - mask) * (x - t) * ops.exp(-s) + x_masked
            log_det = log_det - ops.sum(s, axis=1)
        return x, log_det

    def generate(self, z):
        """Maps latent points z to data space (the example's ``training=False`` direction)."""
        for i in range(self.num_coupling_layers):
            mask = self.masks[i]
            z_masked = z * mask
            s, t = self.layers_list[i](z_masked)
            s, t = s * (1 - mask), t * (1 - mask)
            z = (1 - mask) * (z * ops.exp(s) + t) + z_masked
        return z

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Mean negative log-likelihood of the batch under the flow (no regulariser terms)."""
        z, log_det = y_pred
        log_prior = -0.5 * ops.sum(ops.square(z), axis=1) - math.log(2.0 * math.pi)
        return -ops.mean(log_prior + log_det)

    def get_config(self):
        return {**super().get_config(), "num_coupling_layers": self.num_coupling_layers}


def load_data() -> np.ndarray:
    """Two moons standardised per axis, as the example does with ``Normalization``."""
    data = make_moons(NUM_POINTS, noise=NOISE)[0].astype("float32")
    norm = layers.Normalization()
    norm.adapt(data)
    return keras.ops.convert_to_numpy(norm(data))


def main() -> None:
    normalized_data = load_data()
    model = RealNVP(num_coupling_layers=NUM_COUPLING_LAYERS)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE))
    history = model.fit(
        normalized_data,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        verbose=2,
        validation_split=VALIDATION_SPLIT,
    )
    print("Final loss:", history.history["loss"][-1])
    print("Final val_loss:", history.history["val_loss"][-1])


if __name__ == "__main__":
    main()
