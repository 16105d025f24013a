"""Custom Keras objects of this model: RandomFourierFeatures. Extracted by keras-sprint from
train.py lines 27, 30-60. keras.saving.load_model needs them to rebuild the model: import
this module first, or pass custom_objects=CUSTOM_OBJECTS.
"""

import math

import keras
from keras import layers, ops

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


CUSTOM_OBJECTS = {"RandomFourierFeatures": RandomFourierFeatures}
