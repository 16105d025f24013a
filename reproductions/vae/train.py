"""Reproduces the Keras.io example "Variational AutoEncoder".

Example: https://keras.io/examples/generative/vae/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/generative/vae.py

Facts carried over from the source: the 70,000 MNIST digits (train and test together) scaled
to [0, 1] with shape (28, 28, 1); a 2-dimensional latent space; encoder Conv2D(32, 3, stride
2, relu, same) -> Conv2D(64, 3, stride 2, relu, same) -> Flatten -> Dense(16, relu) ->
Dense(2) mean and Dense(2) log-variance, z sampled by reparameterisation; decoder Dense(7*7*64,
relu) -> Reshape -> Conv2DTranspose(64, 3, stride 2, relu, same) -> Conv2DTranspose(32, 3,
stride 2, relu, same) -> Conv2DTranspose(1, 3, sigmoid, same); loss = per-image sum of pixel
binary cross-entropies + KL divergence to N(0, I), averaged over the batch; Adam with its
defaults, batch size 128, 30 epochs.

The loss lives in ``compute_loss`` (backend-agnostic Keras 3) instead of the example's
TensorFlow ``train_step``. The example trains on all the digits and reports training losses
only; those are what the check compares.
"""

import keras
import numpy as np
from keras import layers, ops

LATENT_DIM = 2
EPOCHS = 30
BATCH_SIZE = 128


@keras.saving.register_keras_serializable(package="sprint")
class Sampling(layers.Layer):
    """Draws z = mean + exp(log_var / 2) * epsilon with epsilon ~ N(0, I)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator()

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


def build_encoder() -> keras.Model:
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(LATENT_DIM, name="z_mean")(x)
    z_log_var = layers.Dense(LATENT_DIM, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    return keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")


def build_decoder() -> keras.Model:
    inputs = keras.Input(shape=(LATENT_DIM,))
    x = layers.Dense(7 * 7 * 64, activation="relu")(inputs)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    return keras.Model(inputs, outputs, name="decoder")


@keras.saving.register_keras_serializable(package="sprint")
class VAE(keras.Model):
    """Encoder + decoder trained on reconstruction + KL; reports both parts of the loss."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    def call(self, x, training=None):
        z_mean, z_log_var, z = self.encoder(x, training=training)
        return self.decoder(z, training=training), z_mean, z_log_var

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        reconstruction, z_mean, z_log_var = y_pred
        reconstruction_loss = ops.mean(
            ops.sum(keras.losses.binary_crossentropy(x, reconstruction), axis=(1, 2))
        )
        kl = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        kl_loss = ops.mean(ops.sum(kl, axis=1))
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return reconstruction_loss + kl_loss

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for part in ("encoder", "decoder"):
            config[part] = keras.saving.deserialize_keras_object(config[part])
        return cls(**config)


def main() -> None:
    (x_train, _), (x_test, _) = keras.datasets.mnist.load_data()
    digits = np.concatenate([x_train, x_test], axis=0)
    digits = np.expand_dims(digits, -1).astype("float32") / 255.0

    vae = VAE(build_encoder(), build_decoder(), name="vae")
    vae.compile(optimizer=keras.optimizers.Adam())
    vae.fit(digits, epochs=EPOCHS, batch_size=BATCH_SIZE)


if __name__ == "__main__":
    main()
