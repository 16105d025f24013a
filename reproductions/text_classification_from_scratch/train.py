"""Reproduces the Keras.io example "Text classification from scratch".

Example: https://keras.io/examples/nlp/text_classification_from_scratch/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/nlp/text_classification_from_scratch.py
Read at: examples/nlp/text_classification_from_scratch.py and its rendered page
examples/nlp/md/text_classification_from_scratch.md @ 01ae2db4 ("Last modified: 2026/02/02");
the figures come from the page, whose code this script follows where the two differ.

Facts carried over from the example: the Large Movie Review Dataset archive
(aclImdb_v1.tar.gz) with aclImdb/train/unsup removed; keras.utils.text_dataset_from_directory
with batch size 32, aclImdb/train split 80/20 into training and validation (seed 1337),
aclImdb/test for the test set, labels from the folder names in alphabetical order (neg 0,
pos 1); a TextVectorization layer (20,000 tokens, integer output, sequences of 500) whose
standardisation lower-cases, replaces "<br />" with a space and strips punctuation, adapted on
the training texts; Embedding(20,000, 128) -> Dropout(0.5) -> two Conv1D(128, 7, stride 3,
valid, relu) -> GlobalMaxPooling1D -> Dense(128, relu) -> Dropout(0.5) -> Dense(1, sigmoid);
binary cross-entropy, Adam with its defaults, accuracy, 3 epochs with the validation split,
then one evaluation on the 25,000 test reviews. The batches are cached after the first pass,
so every epoch sees the first epoch's order, as in the example.

Differences from the example:
- Download: keras.utils.get_file(..., extract=True) of the archive's URL instead of the page's
  shell cells (curl -O, tar -xf); the unsup folder is then removed with shutil.rmtree instead
  of rm -r. Same files.
- Training goes through the end-to-end model (string in, TextVectorization inside, then the
  example's integer model), fit on the raw text batches: the example fits the integer model
  on batches vectorized in tf.data ("option 2") and builds this end-to-end model afterwards
  from the same layers ("option 1", which it describes as equivalent). Vectorization has no
  weights, so the updates are the same; the saved model.keras takes raw strings, as the
  example's exported model does. Because of the string input, this reproduction runs on the
  TensorFlow backend only (the example sets KERAS_BACKEND=tensorflow as well).
- The test figure comes from one evaluation of the end-to-end model on the raw test texts
  (the example evaluates the integer model on vectorized texts and the end-to-end model on
  raw texts, the same computation).
- The standardisation function is registered serialisable, so model.keras reloads.
- The newest .py passes class_names=["pos", "neg"] (pos 0, neg 1) and keeps the unsup
  folder; the rendered page, which printed the figures, infers the labels (neg 0, pos 1)
  after removing it. We follow the page.
- fit() prints one line per epoch (verbose=2).
"""

import os
import re
import shutil
import string

import keras
import tensorflow as tf
from keras import layers

DATASET_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
BATCH_SIZE = 32
SEED = 1337
MAX_FEATURES = 20000
EMBEDDING_DIM = 128
SEQUENCE_LENGTH = 500
EPOCHS = 3


@keras.saving.register_keras_serializable(package="sprint")
def custom_standardization(input_data):
    """Lower-case, "<br />" -> " ", punctuation removed (the default keeps HTML breaks)."""
    lowercase = tf.strings.lower(input_data)
    stripped_html = tf.strings.regex_replace(lowercase, "<br />", " ")
    return tf.strings.regex_replace(stripped_html, f"[{re.escape(string.punctuation)}]", "")


def download_dataset() -> str:
    """The extracted aclImdb folder, without train/unsup."""
    extracted = keras.utils.get_file("aclImdb_v1.tar.gz", DATASET_URL, extract=True)
    dataset_dir = os.path.join(extracted, "aclImdb")
    shutil.rmtree(os.path.join(dataset_dir, "train", "unsup"), ignore_errors=True)
    return dataset_dir


def load_datasets(dataset_dir: str):
    train_dir = os.path.join(dataset_dir, "train")
    raw_train_ds = keras.utils.text_dataset_from_directory(
        train_dir, batch_size=BATCH_SIZE, validation_split=0.2, subset="training", seed=SEED
    )
    raw_val_ds = keras.utils.text_dataset_from_directory(
        train_dir, batch_size=BATCH_SIZE, validation_split=0.2, subset="validation", seed=SEED
    )
    raw_test_ds = keras.utils.text_dataset_from_directory(
        os.path.join(dataset_dir, "test"), batch_size=BATCH_SIZE
    )
    print("Class names:", raw_train_ds.class_names)
    print(f"Number of batches in raw_train_ds: {raw_train_ds.cardinality()}")
    print(f"Number of batches in raw_val_ds: {raw_val_ds.cardinality()}")
    print(f"Number of batches in raw_test_ds: {raw_test_ds.cardinality()}")
    return raw_train_ds, raw_val_ds, raw_test_ds


def build_vectorizer(raw_train_ds) -> layers.TextVectorization:
    vectorize_layer = layers.TextVectorization(
        standardize=custom_standardization,
        max_tokens=MAX_FEATURES,
        output_mode="int",
        output_sequence_length=SEQUENCE_LENGTH,
    )
    vectorize_layer.adapt(raw_train_ds.map(lambda x, y: x))
    return vectorize_layer


def build_classifier() -> keras.Model:
    """The example's integer model: token ids in, the probability of a positive review out."""
    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(MAX_FEATURES, EMBEDDING_DIM)(inputs)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    return keras.Model(inputs, predictions, name="classifier")


def build_end_to_end(vectorize_layer: layers.TextVectorization) -> keras.Model:
    inputs = keras.Input(shape=(1,), dtype="string", name="text")
    outputs = build_classifier()(vectorize_layer(inputs))
    return keras.Model(inputs, outputs, name="end_to_end")


def main() -> None:
    raw_train_ds, raw_val_ds, raw_test_ds = load_datasets(download_dataset())
    vectorize_layer = build_vectorizer(raw_train_ds)

    def as_column(text, label):  # (batch,) strings -> (batch, 1), the model's input shape
        return tf.expand_dims(text, -1), label

    train_ds = raw_train_ds.map(as_column).cache().prefetch(buffer_size=10)
    val_ds = raw_val_ds.map(as_column).cache().prefetch(buffer_size=10)
    test_ds = raw_test_ds.map(as_column).cache().prefetch(buffer_size=10)

    model = build_end_to_end(vectorize_layer)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, verbose=2)
    loss, accuracy = model.evaluate(test_ds, verbose=0)
    print("Test loss:", loss)
    print("Test accuracy:", accuracy)


if __name__ == "__main__":
    main()
