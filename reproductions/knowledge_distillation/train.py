"""Reproduces the Keras.io example "Knowledge Distillation".

Example: https://keras.io/examples/vision/knowledge_distillation/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/vision/knowledge_distillation.py

Facts carried over from the source: MNIST scaled to [0, 1] with shape (28, 28, 1); a teacher
Conv2D(256, 3x3, stride 2, same) -> LeakyReLU(0.2) -> MaxPool(2, stride 1, same) ->
Conv2D(512, 3x3, stride 2, same) -> Flatten -> Dense(10), and a student with the same layout
and 16/32 filters; both output logits. The teacher trains 5 epochs (Adam, sparse categorical
cross-entropy on logits); the student is distilled 3 epochs with loss alpha * student loss +
(1 - alpha) * T^2 * KL(softmax(teacher / T) || softmax(student / T)), alpha = 0.1, T = 10,
Adam; a copy of the untrained student trains 3 epochs from scratch for comparison. Batch size
32 (``fit``'s default: the example defines batch_size = 64 but never passes it). Every model
is evaluated on the 10,000 test images.

The distiller overrides ``compute_loss``, as the Keras 3 example does (the TF 2 version had a
``train_step`` updating the student only); the teacher stays trainable during distillation.
Evaluation order: teacher, student from scratch, distilled student
last, so the harness's ``test`` figures are the distilled student's.
"""

import keras
import numpy as np
from keras import layers, ops

TEACHER_EPOCHS = 5
STUDENT_EPOCHS = 3
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


def conv_net(filters: tuple[int, int], name: str) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(filters[0], (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
            layers.Conv2D(filters[1], (3, 3), strides=(2, 2), padding="same"),
            layers.Flatten(),
            layers.Dense(10),
        ],
        name=name,
    )


def classifier_compile(model: keras.Model) -> None:
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )


def main() -> None:
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = np.reshape(x_train.astype("float32") / 255.0, (-1, 28, 28, 1))
    x_test = np.reshape(x_test.astype("float32") / 255.0, (-1, 28, 28, 1))

    teacher = conv_net((256, 512), "teacher")
    student = conv_net((16, 32), "student")
    student_scratch = keras.models.clone_model(student)

    classifier_compile(teacher)
    teacher.fit(x_train, y_train, epochs=TEACHER_EPOCHS)
    teacher.evaluate(x_test, y_test)

    classifier_compile(student_scratch)
    student_scratch.fit(x_train, y_train, epochs=STUDENT_EPOCHS)
    student_scratch.evaluate(x_test, y_test)

    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(
        optimizer=keras.optimizers.Adam(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    distiller.fit(x_train, y_train, epochs=STUDENT_EPOCHS)
    distiller.evaluate(x_test, y_test)


if __name__ == "__main__":
    main()
