"""Custom Keras objects of this model: RealNVP. Extracted by keras-sprint from train.py lines
33-35, 42-49, 52-55, 58-96. keras.saving.load_model needs them to rebuild the model: import
this module first, or pass custom_objects=CUSTOM_OBJECTS.
"""

import math

import keras
import numpy as np
from keras import layers, ops, regularizers

NUM_COUPLING_LAYERS = 6
HIDDEN_UNITS = 256
L2 = 0.01


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


CUSTOM_OBJECTS = {"RealNVP": RealNVP}
