"""Reproduces the Keras.io example "Timeseries anomaly detection using an Autoencoder".

Example: https://keras.io/examples/timeseries/timeseries_anomaly_detection/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/timeseries/timeseries_anomaly_detection.py

Facts carried over from the source: NAB's ``art_daily_small_noise.csv`` for training and
``art_daily_jumpsup.csv`` for testing, both standardised with the training series' mean and
standard deviation; windows of 288 consecutive values (one day), stride 1 (3745 windows per
file); a Conv1D autoencoder (Conv1D 32 and 16 filters, kernel 7, stride 2, relu, dropout 0.2
after the first; Conv1DTranspose 16 and 32 filters mirrored, dropout 0.2 after the first;
Conv1DTranspose(1, 7) out); Adam(1e-3), MSE, 50 epochs at most, batch size 128,
validation_split=0.1, early stopping on val_loss with patience 5 (weights of the last epoch
kept); threshold = the largest per-window mean absolute error on the training windows; a test
window is an anomaly when its error exceeds the threshold.

The example prints the threshold and the number of anomalous test windows. So that the
harness captures the count, the script closes with ``evaluate`` on the test windows and a
metric that counts windows above the threshold (``anomalies``), next to the MSE.
"""

import keras
import numpy as np
import pandas as pd
from keras import layers, ops

URL_ROOT = "https://raw.githubusercontent.com/numenta/NAB/master/data/"
TRAIN_URL = URL_ROOT + "artificialNoAnomaly/art_daily_small_noise.csv"
TEST_URL = URL_ROOT + "artificialWithAnomaly/art_daily_jumpsup.csv"
TIME_STEPS = 288
BATCH_SIZE = 128
EPOCHS = 50


@keras.saving.register_keras_serializable(package="sprint")
class WindowsAboveThreshold(keras.metrics.Metric):
    """How many windows have a mean absolute reconstruction error above ``threshold``."""

    def __init__(self, threshold, name="anomalies", **kwargs):
        super().__init__(name=name, **kwargs)
        self.threshold = float(threshold)
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        error = ops.mean(ops.abs(y_pred - y_true), axis=(1, 2))
        self.count.assign_add(ops.sum(ops.cast(error > self.threshold, "float32")))

    def result(self):
        return ops.cast(self.count, "float32")

    def reset_state(self):
        self.count.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


def load_series(url: str) -> pd.DataFrame:
    return pd.read_csv(keras.utils.get_file(origin=url), parse_dates=True, index_col="timestamp")


def windows(values: np.ndarray, size: int = TIME_STEPS) -> np.ndarray:
    """Every run of ``size`` consecutive values: shape (len - size + 1, size, features)."""
    return np.stack([values[i : i + size] for i in range(len(values) - size + 1)])


def build_model(steps: int, features: int) -> keras.Model:
    conv = {"kernel_size": 7, "padding": "same", "strides": 2, "activation": "relu"}
    return keras.Sequential(
        [
            keras.Input(shape=(steps, features)),
            layers.Conv1D(32, **conv),
            layers.Dropout(0.2),
            layers.Conv1D(16, **conv),
            layers.Conv1DTranspose(16, **conv),
            layers.Dropout(0.2),
            layers.Conv1DTranspose(32, **conv),
            layers.Conv1DTranspose(1, kernel_size=7, padding="same"),
        ],
        name="conv1d_autoencoder",
    )


def main() -> None:
    train_frame, test_frame = load_series(TRAIN_URL), load_series(TEST_URL)
    mean, std = train_frame.mean(), train_frame.std()
    x_train = windows(((train_frame - mean) / std).to_numpy("float32"))
    x_test = windows(((test_frame - mean) / std).to_numpy("float32"))
    print("Training windows:", x_train.shape, "test windows:", x_test.shape)

    model = build_model(x_train.shape[1], x_train.shape[2])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
    model.fit(
        x_train,
        x_train,
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        validation_split=0.1,
        callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, mode="min")],
    )

    train_error = np.mean(np.abs(model.predict(x_train) - x_train), axis=(1, 2))
    threshold = float(np.max(train_error))
    print("Reconstruction error threshold:", threshold)
    model.compile(loss="mse", metrics=[WindowsAboveThreshold(threshold)])
    model.evaluate(x_test, x_test, batch_size=BATCH_SIZE)


if __name__ == "__main__":
    main()
