"""Custom Keras objects of this model: GraphConv, GNNNodeClassifier. Extracted by keras-sprint
from train.py lines 31, 33, 70-78, 92-107, 110-153. keras.saving.load_model needs them to
rebuild the model: import this module first, or pass custom_objects=CUSTOM_OBJECTS.
"""

import keras
import numpy as np
from keras import layers, ops

HIDDEN_UNITS = [32, 32]
DROPOUT_RATE = 0.5


def feed_forward(hidden_units, dropout_rate, name=None) -> keras.Sequential:
    blocks = []
    for units in hidden_units:
        blocks += [
            layers.BatchNormalization(),
            layers.Dropout(dropout_rate),
            layers.Dense(units, activation="gelu"),
        ]
    return keras.Sequential(blocks, name=name)


class GraphConv(layers.Layer):
    """Sum-aggregated, weighted neighbour messages concatenated with each node's state."""

    def __init__(self, hidden_units, dropout_rate, num_nodes, **kwargs):
        super().__init__(**kwargs)
        self.num_nodes = num_nodes
        self.prepare = feed_forward(hidden_units, dropout_rate)
        self.update = feed_forward(hidden_units, dropout_rate)

    def call(self, nodes, edges, edge_weights, training=None):
        citing, cited = edges[0], edges[1]
        messages = self.prepare(ops.take(nodes, cited, axis=0), training=training)
        messages = messages * ops.expand_dims(edge_weights, -1)
        aggregated = ops.segment_sum(messages, citing, num_segments=self.num_nodes)
        updated = self.update(ops.concatenate([nodes, aggregated], axis=1), training=training)
        return ops.normalize(updated, axis=-1, order=2)


@keras.saving.register_keras_serializable(package="sprint")
class GNNNodeClassifier(keras.Model):
    """Node classifier over a fixed in-memory graph; inputs are node indices.

    The graph (node features, edges) lives in non-trainable variables, so ``model.keras``
    carries it; call :meth:`set_graph` once after building a new model.
    """

    def __init__(self, num_nodes, num_features, num_edges, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.sizes = {"num_nodes": num_nodes, "num_features": num_features,
                      "num_edges": num_edges, "num_classes": num_classes}
        self.node_features = self.add_weight(
            shape=(num_nodes, num_features), initializer="zeros", trainable=False,
            name="node_features",
        )
        self.edges = self.add_weight(
            shape=(2, num_edges), initializer="zeros", dtype="int32", trainable=False,
            name="edges",
        )
        self.edge_weights = ops.ones((num_edges,)) / num_edges
        self.preprocess = feed_forward(HIDDEN_UNITS, DROPOUT_RATE, name="preprocess")
        self.conv1 = GraphConv(HIDDEN_UNITS, DROPOUT_RATE, num_nodes, name="graph_conv1")
        self.conv2 = GraphConv(HIDDEN_UNITS, DROPOUT_RATE, num_nodes, name="graph_conv2")
        self.postprocess = feed_forward(HIDDEN_UNITS, DROPOUT_RATE, name="postprocess")
        self.compute_logits = layers.Dense(num_classes, name="logits")

    def set_graph(self, node_features: np.ndarray, edges: np.ndarray) -> None:
        self.node_features.assign(node_features.astype("float32"))
        self.edges.assign(edges.astype("int32"))

    def call(self, node_indices, training=None):
        # ``training`` is passed on by hand: Keras 3 does not propagate it to layers applied
        # to tensors held by the model (the node features), so dropout and batch
        # normalisation would otherwise stay in inference mode during fit().
        x = self.preprocess(self.node_features, training=training)
        x = x + self.conv1(x, self.edges, self.edge_weights, training=training)
        x = x + self.conv2(x, self.edges, self.edge_weights, training=training)
        x = self.postprocess(x, training=training)
        node_indices = ops.reshape(ops.cast(node_indices, "int32"), (-1,))
        return self.compute_logits(ops.take(x, node_indices, axis=0))

    def get_config(self):
        return {**super().get_config(), **self.sizes}


CUSTOM_OBJECTS = {"GraphConv": GraphConv, "GNNNodeClassifier": GNNNodeClassifier}
