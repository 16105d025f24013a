"""Custom Keras objects of this model: GraphAttention, MultiHeadGraphAttention,
GraphAttentionNetwork. Extracted by keras-sprint from train.py lines 32-34, 42-66, 69-75,
78-116. keras.saving.load_model needs them to rebuild the model: import this module first,
or pass custom_objects=CUSTOM_OBJECTS.
"""

import keras
import numpy as np
from keras import layers, ops

HIDDEN_UNITS = 100
NUM_HEADS = 8
NUM_LAYERS = 3


class GraphAttention(layers.Layer):
    """One attention head over a fixed edge list (target, source)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="kernel"
        )
        self.kernel_attention = self.add_weight(
            shape=(self.units * 2, 1), initializer="glorot_uniform", name="kernel_attention"
        )

    def call(self, node_states, edges):
        num_nodes = ops.shape(node_states)[0]
        transformed = ops.matmul(node_states, self.kernel)
        pairs = ops.reshape(ops.take(transformed, edges, axis=0), (ops.shape(edges)[0], -1))
        scores = ops.squeeze(ops.leaky_relu(ops.matmul(pairs, self.kernel_attention), 0.2), -1)
        scores = ops.exp(ops.clip(scores, -2.0, 2.0))
        totals = ops.segment_sum(scores, edges[:, 0], num_segments=num_nodes)
        weights = scores / ops.take(totals, edges[:, 0], axis=0)
        messages = ops.take(transformed, edges[:, 1], axis=0) * weights[:, None]
        return ops.segment_sum(messages, edges[:, 0], num_segments=num_nodes)


class MultiHeadGraphAttention(layers.Layer):
    def __init__(self, units, num_heads=NUM_HEADS, **kwargs):
        super().__init__(**kwargs)
        self.heads = [GraphAttention(units) for _ in range(num_heads)]

    def call(self, node_states, edges):
        return ops.relu(ops.concatenate([head(node_states, edges) for head in self.heads], -1))


@keras.saving.register_keras_serializable(package="sprint")
class GraphAttentionNetwork(keras.Model):
    """GAT over an in-memory graph; inputs are node indices, outputs their logits.

    The graph (node features, edges) lives in non-trainable variables, so ``model.keras``
    carries it; call :meth:`set_graph` once after building a new model.
    """

    def __init__(self, num_nodes, num_features, num_edges, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.sizes = {"num_nodes": num_nodes, "num_features": num_features,
                      "num_edges": num_edges, "num_classes": num_classes}
        self.node_states = self.add_weight(
            shape=(num_nodes, num_features), initializer="zeros", trainable=False,
            name="node_states",
        )
        self.edges = self.add_weight(
            shape=(num_edges, 2), initializer="zeros", dtype="int32", trainable=False,
            name="edges",
        )
        self.preprocess = layers.Dense(HIDDEN_UNITS * NUM_HEADS, activation="relu")
        self.attention_layers = [
            MultiHeadGraphAttention(HIDDEN_UNITS) for _ in range(NUM_LAYERS)
        ]
        self.output_layer = layers.Dense(num_classes)

    def set_graph(self, node_states: np.ndarray, edges: np.ndarray) -> None:
        self.node_states.assign(node_states.astype("float32"))
        self.edges.assign(edges.astype("int32"))

    def call(self, indices):
        x = self.preprocess(self.node_states)
        for attention in self.attention_layers:
            x = attention(x, self.edges) + x
        indices = ops.reshape(ops.cast(indices, "int32"), (-1,))
        return ops.take(self.output_layer(x), indices, axis=0)

    def get_config(self):
        return {**super().get_config(), **self.sizes}


CUSTOM_OBJECTS = {
    "GraphAttention": GraphAttention,
    "MultiHeadGraphAttention": MultiHeadGraphAttention,
    "GraphAttentionNetwork": GraphAttentionNetwork,
}
