"""Reproduces the Keras.io example "Node Classification with Graph Neural Networks".

Example: https://keras.io/examples/graph/gnn_citations/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/graph/gnn_citations.py

Facts carried over from the source: the Cora citation graph (2,708 papers, 1,433 binary word
features, 7 subjects, 5,429 citations) from the LINQS archive; a stratified split drawing
about half of each subject's papers for training (``np.random.rand(n) <= 0.5``) and the rest
for testing; hidden units [32, 32], dropout 0.5, Adam(0.01), sparse categorical cross-entropy
on logits, batch size 256, 300 epochs at most with validation_split=0.15 and early stopping
on val_acc (patience 50, best weights restored). Feed-forward blocks are BatchNorm -> Dropout
-> Dense(gelu) per hidden layer. The baseline is five such blocks with skip connections and
a Dense(7) head on the word features. The GNN preprocesses every node's features with a
block, applies two graph convolutions (messages = block(neighbour) x edge weight, edge weights
= 1 / number of edges, summed per citing paper, concatenated with the node's own
representation, updated by a block, L2-normalised) each with a skip connection, a
post-processing block and a Dense(7) head gathered at the batch's node indices.

Both models are trained and evaluated on the test papers, baseline first, so the last
evaluation (the one the harness reports as ``test``) is the GNN's.
"""

import os

import keras
import numpy as np
import pandas as pd
from keras import layers, ops

DATA_URL = "https://linqs-data.soe.ucsc.edu/public/lbc/cora.tgz"
HIDDEN_UNITS = [32, 32]
LEARNING_RATE = 0.01
DROPOUT_RATE = 0.5
EPOCHS = 300
BATCH_SIZE = 256


def load_cora() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Papers (id and subject as indices, 1,433 terms) and citations (source, target)."""
    root = keras.utils.get_file(fname="cora.tgz", origin=DATA_URL, extract=True)
    folder = os.path.join(root, "cora") if os.path.isdir(os.path.join(root, "cora")) else root
    citations = pd.read_csv(
        os.path.join(folder, "cora.cites"), sep="\t", header=None, names=["target", "source"]
    )
    terms = [f"term_{i}" for i in range(1433)]
    papers = pd.read_csv(
        os.path.join(folder, "cora.content"), sep="\t", header=None,
        names=["paper_id", *terms, "subject"],
    )
    subjects = sorted(papers["subject"].unique())
    subject_index = {name: i for i, name in enumerate(subjects)}
    paper_index = {pid: i for i, pid in enumerate(sorted(papers["paper_id"].unique()))}
    papers["paper_id"] = papers["paper_id"].map(paper_index)
    papers["subject"] = papers["subject"].map(subject_index)
    citations["source"] = citations["source"].map(paper_index)
    citations["target"] = citations["target"].map(paper_index)
    print("Papers:", papers.shape, "citations:", citations.shape)
    return papers, citations, subjects


def stratified_split(papers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    train, test = [], []
    for _, group in papers.groupby("subject"):
        chosen = np.random.rand(len(group.index)) <= 0.5
        train.append(group[chosen])
        test.append(group[~chosen])
    return pd.concat(train).sample(frac=1), pd.concat(test).sample(frac=1)


def feed_forward(hidden_units, dropout_rate, name=None) -> keras.Sequential:
    blocks = []
    for units in hidden_units:
        blocks += [
            layers.BatchNormalization(),
            layers.Dropout(dropout_rate),
            layers.Dense(units, activation="gelu"),
        ]
    return keras.Sequential(blocks, name=name)


def build_baseline(num_features: int, num_classes: int) -> keras.Model:
    inputs = keras.Input(shape=(num_features,), name="input_features")
    x = feed_forward(HIDDEN_UNITS, DROPOUT_RATE, name="ffn_block1")(inputs)
    for block in range(2, 6):
        x = layers.Add(name=f"skip_connection{block}")(
            [x, feed_forward(HIDDEN_UNITS, DROPOUT_RATE, name=f"ffn_block{block}")(x)]
        )
    logits = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, logits, name="baseline")


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


def train_and_test(model: keras.Model, x_train, y_train, x_test, y_test) -> float:
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
    )
    model.fit(
        x_train,
        y_train,
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        validation_split=0.15,
        callbacks=[
            keras.callbacks.EarlyStopping(monitor="val_acc", patience=50, restore_best_weights=True)
        ],
    )
    _, accuracy = model.evaluate(x_test, y_test, batch_size=BATCH_SIZE, verbose=0)
    print(f"{model.name} test accuracy: {accuracy:.2%}")
    return accuracy


def main() -> None:
    papers, citations, subjects = load_cora()
    train_data, test_data = stratified_split(papers)
    print("Train:", train_data.shape, "test:", test_data.shape)
    terms = [c for c in papers.columns if c.startswith("term_")]
    y_train = train_data["subject"].to_numpy()
    y_test = test_data["subject"].to_numpy()

    baseline = build_baseline(len(terms), len(subjects))
    train_and_test(
        baseline,
        train_data[terms].to_numpy("float32"), y_train,
        test_data[terms].to_numpy("float32"), y_test,
    )

    node_features = papers.sort_values("paper_id")[terms].to_numpy("float32")
    edges = citations[["source", "target"]].to_numpy().T
    gnn = GNNNodeClassifier(*node_features.shape, edges.shape[1], len(subjects), name="gnn_model")
    gnn.set_graph(node_features, edges)
    train_and_test(
        gnn,
        train_data["paper_id"].to_numpy("int32"), y_train,
        test_data["paper_id"].to_numpy("int32"), y_test,
    )


if __name__ == "__main__":
    main()
