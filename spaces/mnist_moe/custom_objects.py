"""Custom Keras objects of this model: LinearMoE. Extracted by keras-sprint from train.py lines
30-31, 35, 38-39, 42-98. keras.saving.load_model needs them to rebuild the model: import
this module first, or pass custom_objects=CUSTOM_OBJECTS.
"""

import keras
from keras import layers, ops

NUM_EXPERTS = 5
TOP_K = 3
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


CUSTOM_OBJECTS = {"LinearMoE": LinearMoE}
