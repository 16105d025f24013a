"""Custom Keras objects of this model: Distiller. Extracted by keras-sprint from train.py lines
28-29, 32-76. keras.saving.load_model needs them to rebuild the model: import this module
first, or pass custom_objects=CUSTOM_OBJECTS.
"""

import keras
from keras import ops

ALPHA = 0.1
TEMPERATURE = 10


@keras.saving.register_keras_serializable(package="sprint")
class Distiller(keras.Model):
    """Trains ``student`` on the labels and on the softened outputs of ``teacher``.

    As in the Keras 3 example, the teacher is not frozen: ``fit`` differentiates the loss with
    respect to every trainable weight of the distiller, so the distillation term also moves
    the teacher (the TF 2 version of the example updated the student only).
    """

    def __init__(self, student, teacher, alpha=ALPHA, temperature=TEMPERATURE, **kwargs):
        super().__init__(**kwargs)
        self.student = student
        self.teacher = teacher
        self.alpha = alpha
        self.temperature = temperature
        self.student_loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.distillation_loss_fn = keras.losses.KLDivergence()

    def call(self, x, training=None):
        return self.student(x, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        student_loss = self.student_loss_fn(y, y_pred)
        teacher_pred = self.teacher(x, training=False)
        distillation_loss = self.distillation_loss_fn(
            ops.softmax(teacher_pred / self.temperature, axis=1),
            ops.softmax(y_pred / self.temperature, axis=1),
        ) * self.temperature**2
        return self.alpha * student_loss + (1 - self.alpha) * distillation_loss

    def get_config(self):
        return {
            **super().get_config(),
            "student": keras.saving.serialize_keras_object(self.student),
            "teacher": keras.saving.serialize_keras_object(self.teacher),
            "alpha": self.alpha,
            "temperature": self.temperature,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for part in ("student", "teacher"):
            config[part] = keras.saving.deserialize_keras_object(config[part])
        return cls(**config)


CUSTOM_OBJECTS = {"Distiller": Distiller}
