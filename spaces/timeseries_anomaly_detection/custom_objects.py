"""Custom Keras objects of this model: WindowsAboveThreshold. Extracted by keras-sprint from
train.py lines 34-54. keras.saving.load_model needs them to rebuild the model: import this
module first, or pass custom_objects=CUSTOM_OBJECTS.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="sprint")
class WindowsAboveThreshold(keras.metrics.Metric):
    """How many windows have a mean absolute reconstruction error above ``threshold``."""

    def __init__(self, threshold, name="anomalies", **kwargs):
        super().__init__(name=name, **kwargs)
        self.threshold = float(threshold)
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        error = ops.mean(ops.abs(y_pred - y_true), axis=(1, 2))
        self.count.assign_add(ops.sum(ops.cast(error > self.threshold, "float32")))

    def result(self):
        return ops.cast(self.count, "float32")

    def reset_state(self):
        self.count.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


CUSTOM_OBJECTS = {"WindowsAboveThreshold": WindowsAboveThreshold}
