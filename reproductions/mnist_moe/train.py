"""Reproduces the Keras.io example "MoE for MNIST".

Example: https://keras.io/examples/vision/mnist_moe/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/vision/mnist_moe.py

Facts carried over from the source: MNIST scaled to [0, 1] with shape (28, 28, 1) and one-hot
labels; Conv2D(32, 3x3, relu) -> MaxPool(2) -> Conv2D(64, 3x3, relu) -> MaxPool(2) -> Flatten
-> Dropout(0.5), then a linear mixture-of-experts classifier: 5 experts Dense(10) and a gating
Dense(5, softmax), all with RandomNormal(0, 0.001) kernels and zero biases; each sample goes
through its top 3 experts, whose outputs are summed weighted by their gate probabilities, then
a softmax. Loss: categorical cross-entropy plus 0.01 x (diversity loss, the negated mean
entropy of the gates, plus importance loss, the mean squared deviation of the per-expert gate
sums in a batch from their mean). Adam(learning_rate=0.001), batch size 128, 12 epochs with the
test set as validation data, then one evaluation on the 10,000 test images.

Written with ``keras.ops`` (the example uses TensorFlow ops and a custom ``train_step``), so it
runs on every backend; the gating losses enter through ``add_loss``, which gives the same
gradients. Left out: the example's expert usage counter and the overflow term it feeds
(0.01 x the counts above 128 // 5 per expert, accumulated over the whole run). The counter is
built from the top-k indices, so that term has no gradient and changes no weight; it only
offsets the loss the example computes (its printed loss is not that sum either).
"""

import keras
import numpy as np
from keras import layers, ops

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)
NUM_EXPERTS = 5
TOP_K = 3
BATCH_SIZE = 128
NUM_EPOCHS = 12
LEARNING_RATE = 0.001
LOAD_BALANCE_COEF = 0.01


def small_normal() -> keras.initializers.Initializer:
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.001)


@keras.saving.register_keras_serializable(package="sprint")
class LinearMoE(layers.Layer):
    """Top-k mixture of Dense experts with the example's diversity and importance losses."""

    def __init__(
        self,
        hidden_size: int,
        num_experts: int = NUM_EXPERTS,
        top_k: int = TOP_K,
        load_balance_coef: float = LOAD_BALANCE_COEF,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.num_experts = num_experts
        self.top_k = top_k
        self.load_balance_coef = load_balance_coef
        self.experts = [
            layers.Dense(hidden_size, kernel_initializer=small_normal(), name=f"expert_{i}")
            for i in range(num_experts)
        ]
        self.gating_network = layers.Dense(
            num_experts, activation="softmax", kernel_initializer=small_normal(), name="gating"
        )

    def build(self, input_shape):
        for expert in self.experts:
            expert.build(input_shape)
        self.gating_network.build(input_shape)

    def call(self, x):
        gates = self.gating_network(x)  # (batch, experts)
        top_weights, top_indices = ops.top_k(gates, k=self.top_k)
        chosen = ops.one_hot(top_indices, self.num_experts)  # (batch, top_k, experts)
        weights = ops.sum(chosen * ops.expand_dims(top_weights, -1), axis=1)  # 0 if not chosen
        outputs = ops.stack([expert(x) for expert in self.experts], axis=1)
        self.add_loss(self.load_balance_coef * self.balance_loss(gates))
        return ops.einsum("be,beh->bh", weights, outputs)

    @staticmethod
    def balance_loss(gates):
        """Diversity loss (negated mean gate entropy) plus importance loss."""
        entropy = -ops.sum(gates * ops.log(gates + 1e-10), axis=1)
        importance = ops.sum(gates, axis=0)
        return -ops.mean(entropy) + ops.mean(ops.square(importance - ops.mean(importance)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.hidden_size)

    def get_config(self):
        return {
            **super().get_config(),
            "hidden_size": self.hidden_size,
            "num_experts": self.num_experts,
            "top_k": self.top_k,
            "load_balance_coef": self.load_balance_coef,
        }


def load_mnist():
    """MNIST images in [0, 1] with a channel axis, labels one-hot."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = np.expand_dims(x_train.astype("float32") / 255.0, -1)
    x_test = np.expand_dims(x_test.astype("float32") / 255.0, -1)
    print("x_train shape:", x_train.shape)
    return (
        (x_train, keras.utils.to_categorical(y_train, NUM_CLASSES)),
        (x_test, keras.utils.to_categorical(y_test, NUM_CLASSES)),
    )


def build_model() -> keras.Model:
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = layers.Conv2D(32, kernel_size=(3, 3), activation="relu")(inputs)
    x = layers.MaxPooling2D(pool_size=(2, 2))(x)
    x = layers.Conv2D(64, kernel_size=(3, 3), activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    x = LinearMoE(hidden_size=NUM_CLASSES, num_experts=NUM_EXPERTS, top_k=TOP_K)(x)
    outputs = layers.Softmax()(x)
    return keras.Model(inputs, outputs, name="mnist_moe")


def main() -> None:
    (x_train, y_train), (x_test, y_test) = load_mnist()
    model = build_model()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
        loss=keras.losses.CategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=NUM_EPOCHS,
        validation_data=(x_test, y_test),
        verbose=2,
    )
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", loss)
    print("Test accuracy:", accuracy)


if __name__ == "__main__":
    main()
