"""Reproduces the Keras.io example "Structured data classification from scratch".

Example: https://keras.io/examples/structured_data/structured_data_classification_from_scratch/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/structured_data/structured_data_classification_from_scratch.py

Facts carried over from the source: the Cleveland heart-disease CSV (303 rows, 13 features and
a binary ``target``), a validation set drawn with ``DataFrame.sample(frac=0.2,
random_state=1337)`` (61 rows) and the other 242 rows for training; integer categorical
features (sex, cp, fbs, restecg, exang, ca) and the string feature ``thal`` one-hot encoded
against the vocabulary seen in the training rows plus one out-of-vocabulary slot (what
``IntegerLookup``/``StringLookup(output_mode="binary")`` adapted on the training set give);
numerical features (age, trestbps, chol, thalach, oldpeak, slope) standardised by a
``Normalization`` layer adapted on the training rows; Dense(32, relu) -> Dropout(0.5) ->
Dense(1, sigmoid); Adam with its defaults, binary cross-entropy, batch size 32, reshuffled
every epoch, 50 epochs.

The model takes one number per feature, as the example's does, and one-hot encodes inside
with ``ops`` (``VocabularyOneHot``), so it runs on every Keras backend. The one exception is
``thal``, a string the non-TensorFlow backends cannot carry: it enters as its index in the
sorted training vocabulary (``THAL_VOCABULARY``; -1 for an unseen value).
"""

import keras
import numpy as np
import pandas as pd
from keras import layers, ops

DATA_URL = "http://storage.googleapis.com/download.tensorflow.org/data/heart.csv"
INT_CATEGORICAL = ["sex", "cp", "fbs", "restecg", "exang", "ca", "thal"]
NUMERICAL = ["age", "trestbps", "chol", "thalach", "oldpeak", "slope"]
TARGET = "target"
BATCH_SIZE = 32
EPOCHS = 50


@keras.saving.register_keras_serializable(package="sprint")
class VocabularyOneHot(layers.Layer):
    """One-hot over a fixed list of numbers, slot 0 for any value outside it."""

    def __init__(self, vocabulary, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = [float(v) for v in vocabulary]

    def call(self, inputs):
        values = ops.convert_to_tensor(self.vocabulary, dtype=inputs.dtype)
        hits = ops.cast(ops.equal(inputs, values), "float32")
        unseen = 1.0 - ops.sum(hits, axis=-1, keepdims=True)
        return ops.concatenate([unseen, hits], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.vocabulary) + 1)

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary}


def load_frames() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The example's split (20% of the rows, random_state=1337, for validation), thal coded."""
    frame = pd.read_csv(keras.utils.get_file(origin=DATA_URL))
    val_frame = frame.sample(frac=0.2, random_state=1337)
    train_frame = frame.drop(val_frame.index)
    print(f"Using {len(train_frame)} samples for training and {len(val_frame)} for validation")
    thal_vocabulary = sorted(train_frame["thal"].astype(str).unique())
    code = {value: i for i, value in enumerate(thal_vocabulary)}
    for part in (train_frame, val_frame):
        part["thal"] = part["thal"].astype(str).map(lambda v: code.get(v, -1))
    print("THAL_VOCABULARY:", thal_vocabulary)
    return train_frame, val_frame, thal_vocabulary


def features(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {name: frame[[name]].to_numpy("float32") for name in INT_CATEGORICAL + NUMERICAL}


def build_model(train_frame: pd.DataFrame) -> keras.Model:
    inputs, encoded = {}, []
    for name in INT_CATEGORICAL:
        inputs[name] = keras.Input(shape=(1,), name=name)
        vocabulary = sorted(train_frame[name].unique())
        encoded.append(VocabularyOneHot(vocabulary, name=f"{name}_one_hot")(inputs[name]))
    for name in NUMERICAL:
        inputs[name] = keras.Input(shape=(1,), name=name)
        normalizer = layers.Normalization(name=f"{name}_normalized")
        normalizer.adapt(train_frame[[name]].to_numpy("float32"))
        encoded.append(normalizer(inputs[name]))
    x = layers.concatenate(encoded)
    x = layers.Dense(32, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    output = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, output, name="heart_disease_classifier")


def main() -> None:
    train_frame, val_frame, _ = load_frames()
    x_train, x_val = features(train_frame), features(val_frame)
    y_train = train_frame[TARGET].to_numpy("float32")
    y_val = val_frame[TARGET].to_numpy("float32")
    model = build_model(train_frame)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        shuffle=True,
        validation_data=(x_val, y_val),
    )
    model.evaluate(x_val, y_val, batch_size=BATCH_SIZE)


if __name__ == "__main__":
    main()
