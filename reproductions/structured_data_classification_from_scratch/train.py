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

The lookups run in NumPy before the model rather than as TensorFlow string ops, so the script
runs on every Keras backend; the model sees one input per feature, as in the example.
"""

import keras
import numpy as np
import pandas as pd
from keras import layers

DATA_URL = "http://storage.googleapis.com/download.tensorflow.org/data/heart.csv"
INT_CATEGORICAL = ["sex", "cp", "fbs", "restecg", "exang", "ca"]
STRING_CATEGORICAL = ["thal"]
NUMERICAL = ["age", "trestbps", "chol", "thalach", "oldpeak", "slope"]
TARGET = "target"
BATCH_SIZE = 32
EPOCHS = 50


def load_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The example's split: 20% of the rows (random_state=1337) for validation."""
    frame = pd.read_csv(keras.utils.get_file(origin=DATA_URL))
    val_frame = frame.sample(frac=0.2, random_state=1337)
    train_frame = frame.drop(val_frame.index)
    print(f"Using {len(train_frame)} samples for training and {len(val_frame)} for validation")
    return train_frame, val_frame


def vocabularies(train_frame: pd.DataFrame) -> dict[str, list]:
    """Each categorical feature's values seen in the training rows, sorted."""
    return {
        name: sorted(train_frame[name].astype(str).unique())
        for name in INT_CATEGORICAL + STRING_CATEGORICAL
    }


def encode(frame: pd.DataFrame, vocab: dict[str, list]) -> dict[str, np.ndarray]:
    """One array per feature: a one-hot row (slot 0 = unseen value) or a float column."""
    features = {}
    for name, values in vocab.items():
        index = {value: i + 1 for i, value in enumerate(values)}
        codes = frame[name].astype(str).map(lambda v, index=index: index.get(v, 0))
        features[name] = np.eye(len(values) + 1, dtype="float32")[codes.to_numpy()]
    for name in NUMERICAL:
        features[name] = frame[[name]].to_numpy("float32")
    return features


def build_model(train_features: dict[str, np.ndarray], vocab: dict[str, list]) -> keras.Model:
    inputs, encoded = {}, []
    for name, values in vocab.items():
        inputs[name] = keras.Input(shape=(len(values) + 1,), name=name)
        encoded.append(inputs[name])
    for name in NUMERICAL:
        inputs[name] = keras.Input(shape=(1,), name=name)
        normalizer = layers.Normalization(name=f"{name}_normalized")
        normalizer.adapt(train_features[name])
        encoded.append(normalizer(inputs[name]))
    x = layers.concatenate(encoded)
    x = layers.Dense(32, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    output = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, output, name="heart_disease_classifier")


def main() -> None:
    train_frame, val_frame = load_frames()
    vocab = vocabularies(train_frame)
    x_train, x_val = encode(train_frame, vocab), encode(val_frame, vocab)
    y_train = train_frame[TARGET].to_numpy("float32")
    y_val = val_frame[TARGET].to_numpy("float32")
    model = build_model(x_train, vocab)
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
