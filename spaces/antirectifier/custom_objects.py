"""Custom Keras objects of this model: Antirectifier. Extracted by keras-sprint from train.py
lines 22-45. keras.saving.load_model needs them to rebuild the model: import this module
first, or pass custom_objects=CUSTOM_OBJECTS.
"""

import keras
from keras import layers, ops


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


CUSTOM_OBJECTS = {"Antirectifier": Antirectifier}
