"""Reproduces the Keras.io example "Structured data classification with FeatureSpace".

Example: https://keras.io/examples/structured_data/structured_data_classification_with_feature_space/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/structured_data/structured_data_classification_with_feature_space.py

Facts carried over from the source: the Cleveland heart-disease CSV (303 rows, 13 features and
a binary ``target``), a validation set drawn with ``DataFrame.sample(frac=0.2,
random_state=1337)`` (61 rows) and the other 242 rows for training, both as shuffled
``tf.data`` datasets of feature dicts in batches of 32; the example's second, customised
``keras.utils.FeatureSpace``: sex, cp, fbs, restecg, exang and ca integer categorical and
thal string categorical, all with ``num_oov_indices=0``; age discretised into 30 bins;
trestbps, chol, thalach, oldpeak and slope normalised; hashed crosses (sex, age) into 64
and (thal, ca) into 16 dimensions; ``output_mode="concat"`` (138 values per row), adapted on
the training features; then Dense(32, relu) -> Dropout(0.5) -> Dense(1, sigmoid), Adam with
its defaults, binary cross-entropy, 20 epochs.

One difference in where the preprocessing runs, not in what is computed: the example fits a
training model on batches the ``FeatureSpace`` already encoded in ``tf.data``, and builds an
inference model (the same layers behind the ``FeatureSpace``) for raw feature dicts. We fit
that end-to-end model on the raw batches, so the model saved is the one that takes raw
features, strings included (TensorFlow only, as the example is).
"""

import keras
import pandas as pd
import tensorflow as tf
from keras.utils import FeatureSpace

DATA_URL = "http://storage.googleapis.com/download.tensorflow.org/data/heart.csv"
TARGET = "target"
BATCH_SIZE = 32
EPOCHS = 20
# The example's inference sample (the first row of the CSV).
SAMPLE = {
    "age": 60,
    "sex": 1,
    "cp": 1,
    "trestbps": 145,
    "chol": 233,
    "fbs": 1,
    "restecg": 2,
    "thalach": 150,
    "exang": 0,
    "oldpeak": 2.3,
    "slope": 3,
    "ca": 0,
    "thal": "fixed",
}


def load_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The example's split: 20% of the rows (random_state=1337) for validation."""
    frame = pd.read_csv(DATA_URL)
    val_frame = frame.sample(frac=0.2, random_state=1337)
    train_frame = frame.drop(val_frame.index)
    print(f"Using {len(train_frame)} samples for training and {len(val_frame)} for validation")
    return train_frame, val_frame


def to_dataset(frame: pd.DataFrame) -> tf.data.Dataset:
    """(feature dict, label) pairs, reshuffled every epoch, in batches of 32."""
    features = frame.drop(columns=TARGET)
    dataset = tf.data.Dataset.from_tensor_slices((dict(features), frame[TARGET]))
    return dataset.shuffle(buffer_size=len(frame)).batch(BATCH_SIZE)


def build_feature_space() -> FeatureSpace:
    """The example's customised FeatureSpace (no out-of-vocabulary slots)."""
    categorical = FeatureSpace.integer_categorical
    features = {name: categorical(num_oov_indices=0) for name in ("sex", "cp", "fbs")}
    features.update({name: categorical(num_oov_indices=0) for name in ("restecg", "exang", "ca")})
    features["thal"] = FeatureSpace.string_categorical(num_oov_indices=0)
    features["age"] = FeatureSpace.float_discretized(num_bins=30)
    for name in ("trestbps", "chol", "thalach", "oldpeak", "slope"):
        features[name] = FeatureSpace.float_normalized()
    crosses = [
        FeatureSpace.cross(feature_names=("sex", "age"), crossing_dim=64),
        FeatureSpace.cross(feature_names=("thal", "ca"), crossing_dim=16),
    ]
    return FeatureSpace(features=features, crosses=crosses, output_mode="concat")


def build_model(feature_space: FeatureSpace) -> keras.Model:
    """Raw feature dicts -> FeatureSpace -> Dense(32) -> Dropout(0.5) -> Dense(1, sigmoid)."""
    encoded = feature_space.get_encoded_features()
    x = keras.layers.Dense(32, activation="relu")(encoded)
    x = keras.layers.Dropout(0.5)(x)
    output = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs=feature_space.get_inputs(), outputs=output, name="heart_disease")


def main() -> None:
    train_frame, val_frame = load_frames()
    train_ds, val_ds = to_dataset(train_frame), to_dataset(val_frame)
    feature_space = build_feature_space()
    feature_space.adapt(train_ds.map(lambda x, _: x))
    for x, _ in train_ds.take(1):
        print("preprocessed_x.shape:", feature_space(x).shape)
    model = build_model(feature_space)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(train_ds, epochs=EPOCHS, validation_data=val_ds, verbose=2)
    sample = {name: tf.convert_to_tensor([value]) for name, value in SAMPLE.items()}
    probability = float(model.predict(sample, verbose=0)[0][0])
    print(f"This particular patient had a {100 * probability:.2f}% probability of heart disease.")


if __name__ == "__main__":
    main()
