"""Custom Keras objects of this model: EuclideanDistance, ContrastiveLoss, pair_accuracy.
Extracted by keras-sprint from train.py lines 47, 49, 76-86, 89-104, 107-113.
keras.saving.load_model needs them to rebuild the model: import this module first, or pass
custom_objects=CUSTOM_OBJECTS.
"""

import keras
from keras import layers, ops

MARGIN = 1.0  # contrastive loss margin
THRESHOLD = 0.5  # a distance above this says "different digits"


@keras.saving.register_keras_serializable(package="sprint")
class EuclideanDistance(layers.Layer):
    """sqrt(max(sum((a - b)^2), epsilon)) over the last axis, kept as a (batch, 1) column."""

    def call(self, inputs):
        a, b = inputs
        sum_square = ops.sum(ops.square(a - b), axis=1, keepdims=True)
        return ops.sqrt(ops.maximum(sum_square, keras.backend.epsilon()))

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)


@keras.saving.register_keras_serializable(package="sprint")
class ContrastiveLoss(keras.losses.Loss):
    """(1 - y) * d^2 + y * max(margin - d, 0)^2 per pair (y = 1: different digits)."""

    def __init__(self, margin: float = MARGIN, name: str = "contrastive_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.margin = margin

    def call(self, y_true, y_pred):
        y_pred = ops.reshape(y_pred, (-1,))
        y_true = ops.reshape(ops.cast(y_true, y_pred.dtype), (-1,))
        margin_square = ops.square(ops.maximum(self.margin - y_pred, 0.0))
        return (1.0 - y_true) * ops.square(y_pred) + y_true * margin_square

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


@keras.saving.register_keras_serializable(package="sprint")
def pair_accuracy(y_true, y_pred):
    """The share of pairs judged right: distance > 0.5 means "different digits" (label 1)."""
    y_true = ops.reshape(ops.cast(y_true, "float32"), (-1,))
    y_pred = ops.reshape(y_pred, (-1,))
    predicted = ops.cast(y_pred > THRESHOLD, "float32")
    return ops.mean(ops.cast(ops.equal(y_true, predicted), "float32"))


CUSTOM_OBJECTS = {
    "EuclideanDistance": EuclideanDistance,
    "ContrastiveLoss": ContrastiveLoss,
    "pair_accuracy": pair_accuracy,
}
