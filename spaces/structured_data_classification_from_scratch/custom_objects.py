"""Custom Keras objects of this model: VocabularyOneHot. Extracted by keras-sprint from
train.py lines 36-54. keras.saving.load_model needs them to rebuild the model: import this
module first, or pass custom_objects=CUSTOM_OBJECTS.
"""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="sprint")
class VocabularyOneHot(layers.Layer):
    """One-hot over a fixed list of numbers, slot 0 for any value outside it."""

    def __init__(self, vocabulary, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = [float(v) for v in vocabulary]

    def call(self, inputs):
        values = ops.convert_to_tensor(self.vocabulary, dtype=inputs.dtype)
        hits = ops.cast(ops.equal(inputs, values), "float32")
        unseen = 1.0 - ops.sum(hits, axis=-1, keepdims=True)
        return ops.concatenate([unseen, hits], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.vocabulary) + 1)

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary}


CUSTOM_OBJECTS = {"VocabularyOneHot": VocabularyOneHot}
