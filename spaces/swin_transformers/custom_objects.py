"""Custom Keras objects of this model: PatchExtract, WindowAttention, SwinTransformer,
PatchEmbedding, PatchMerging. Extracted by keras-sprint from train.py lines 61-67, 70-75,
78-88, 91-109, 112-133, 136-194, 197-290, 293-312, 315-345. keras.saving.load_model needs
them to rebuild the model: import this module first, or pass custom_objects=CUSTOM_OBJECTS.
"""

import keras
import numpy as np
from keras import layers, ops


def window_partition(x, window_size):
    """(batch, height, width, channels) -> (batch * windows, window, window, channels)."""
    _, height, width, channels = x.shape
    rows, cols = height // window_size, width // window_size
    x = ops.reshape(x, (-1, rows, window_size, cols, window_size, channels))
    x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
    return ops.reshape(x, (-1, window_size, window_size, channels))


def window_reverse(windows, window_size, height, width, channels):
    """The inverse of window_partition."""
    rows, cols = height // window_size, width // window_size
    x = ops.reshape(windows, (-1, rows, cols, window_size, window_size, channels))
    x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
    return ops.reshape(x, (-1, height, width, channels))


def relative_position_index(window_size):
    """For each pair of positions in a window, the row of the relative position bias table."""
    coords = np.stack(
        np.meshgrid(np.arange(window_size[0]), np.arange(window_size[1]), indexing="ij")
    )
    flat = coords.reshape(2, -1)
    relative = (flat[:, :, None] - flat[:, None, :]).transpose([1, 2, 0])
    relative[:, :, 0] += window_size[0] - 1
    relative[:, :, 1] += window_size[1] - 1
    relative[:, :, 0] *= 2 * window_size[1] - 1
    return relative.sum(-1).reshape(-1).astype("int32")


def shifted_window_mask(num_patch, window_size, shift_size):
    """(windows, n, n): 0 between positions of the same region after the shift, else -100."""
    height, width = num_patch
    slices = (
        slice(0, -window_size),
        slice(-window_size, -shift_size),
        slice(-shift_size, None),
    )
    regions = np.zeros((height, width), dtype="float32")
    count = 0
    for h in slices:
        for w in slices:
            regions[h, w] = count
            count += 1
    rows, cols = height // window_size, width // window_size
    windows = regions.reshape(rows, window_size, cols, window_size).transpose(0, 2, 1, 3)
    windows = windows.reshape(-1, window_size * window_size)
    difference = windows[:, None, :] - windows[:, :, None]
    return np.where(difference != 0, -100.0, 0.0).astype("float32")


@keras.saving.register_keras_serializable(package="sprint")
class PatchExtract(layers.Layer):
    """Images -> non-overlapping patches, flattened as tf.image.extract_patches does."""

    def __init__(self, patch_size, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = tuple(patch_size)

    def call(self, images):
        _, height, width, channels = images.shape
        ph, pw = self.patch_size
        x = ops.reshape(images, (-1, height // ph, ph, width // pw, pw, channels))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
        return ops.reshape(x, (-1, (height // ph) * (width // pw), ph * pw * channels))

    def compute_output_shape(self, input_shape):
        _, height, width, channels = input_shape
        ph, pw = self.patch_size
        return (input_shape[0], (height // ph) * (width // pw), ph * pw * channels)

    def get_config(self):
        return {**super().get_config(), "patch_size": list(self.patch_size)}


@keras.saving.register_keras_serializable(package="sprint")
class WindowAttention(layers.Layer):
    """Multi-head self-attention inside each window, with a learned relative position bias."""

    def __init__(self, dim, window_size, num_heads, qkv_bias=True, dropout_rate=0.0, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim
        self.window_size = tuple(window_size)
        self.num_heads = num_heads
        self.qkv_bias = qkv_bias
        self.dropout_rate = dropout_rate
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = layers.Dense(dim * 3, use_bias=qkv_bias)
        self.dropout = layers.Dropout(dropout_rate)
        self.proj = layers.Dense(dim)
        table_rows = (2 * self.window_size[0] - 1) * (2 * self.window_size[1] - 1)
        self.relative_position_bias_table = self.add_weight(
            shape=(table_rows, num_heads),
            initializer=keras.initializers.Zeros(),
            trainable=True,
            name="relative_position_bias_table",
        )
        self.relative_position_index = relative_position_index(self.window_size)

    def build(self, input_shape):
        self.qkv.build(input_shape)
        self.proj.build((*input_shape[:-1], self.dim))

    def call(self, x, attn_mask=None, training=None):
        _, size, channels = x.shape
        head_dim = channels // self.num_heads
        x_qkv = ops.reshape(self.qkv(x), (-1, size, 3, self.num_heads, head_dim))
        x_qkv = ops.transpose(x_qkv, (2, 0, 3, 1, 4))
        q, k, v = x_qkv[0], x_qkv[1], x_qkv[2]
        attn = (q * self.scale) @ ops.transpose(k, (0, 1, 3, 2))

        elements = self.window_size[0] * self.window_size[1]
        bias = ops.take(self.relative_position_bias_table, self.relative_position_index, axis=0)
        bias = ops.transpose(ops.reshape(bias, (elements, elements, -1)), (2, 0, 1))
        attn = attn + ops.expand_dims(bias, axis=0)
        if attn_mask is not None:
            windows = attn_mask.shape[0]
            mask = ops.expand_dims(ops.expand_dims(ops.cast(attn_mask, attn.dtype), 1), 0)
            attn = ops.reshape(attn, (-1, windows, self.num_heads, size, size)) + mask
            attn = ops.reshape(attn, (-1, self.num_heads, size, size))
        attn = self.dropout(keras.activations.softmax(attn, axis=-1), training=training)

        out = ops.reshape(ops.transpose(attn @ v, (0, 2, 1, 3)), (-1, size, channels))
        return self.dropout(self.proj(out), training=training)

    def get_config(self):
        return {
            **super().get_config(),
            "dim": self.dim,
            "window_size": list(self.window_size),
            "num_heads": self.num_heads,
            "qkv_bias": self.qkv_bias,
            "dropout_rate": self.dropout_rate,
        }


@keras.saving.register_keras_serializable(package="sprint")
class SwinTransformer(layers.Layer):
    """One Swin block: (shifted) window attention and an MLP, each pre-normed and residual."""

    def __init__(
        self,
        dim,
        num_patch,
        num_heads,
        window_size=7,
        shift_size=0,
        num_mlp=1024,
        qkv_bias=True,
        dropout_rate=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.dim = dim
        self.num_patch = tuple(num_patch)
        self.num_heads = num_heads
        self.window_size = window_size
        self.shift_size = shift_size
        self.num_mlp = num_mlp
        self.qkv_bias = qkv_bias
        self.dropout_rate = dropout_rate
        self._requested = {"window_size": window_size, "shift_size": shift_size}

        self.norm1 = layers.LayerNormalization(epsilon=1e-5)
        self.attn = WindowAttention(
            dim,
            window_size=(window_size, window_size),
            num_heads=num_heads,
            qkv_bias=qkv_bias,
            dropout_rate=dropout_rate,
        )
        self.drop_path = layers.Dropout(dropout_rate)
        self.norm2 = layers.LayerNormalization(epsilon=1e-5)
        self.mlp = keras.Sequential(
            [
                layers.Dense(num_mlp),
                layers.Activation(keras.activations.gelu),
                layers.Dropout(dropout_rate),
                layers.Dense(dim),
                layers.Dropout(dropout_rate),
            ]
        )
        if min(self.num_patch) < self.window_size:
            self.shift_size = 0
            self.window_size = min(self.num_patch)
        self.attn_mask = (
            shifted_window_mask(self.num_patch, self.window_size, self.shift_size)
            if self.shift_size > 0
            else None
        )

    def build(self, input_shape):
        window_shape = (None, self.window_size * self.window_size, self.dim)
        self.norm1.build(input_shape)
        self.attn.build(window_shape)
        self.norm2.build(input_shape)
        self.mlp.build(input_shape)

    def call(self, x, training=None):
        height, width = self.num_patch
        _, _, channels = x.shape
        skip = x
        x = ops.reshape(self.norm1(x), (-1, height, width, channels))
        if self.shift_size > 0:
            x = ops.roll(x, shift=[-self.shift_size, -self.shift_size], axis=[1, 2])
        windows = window_partition(x, self.window_size)
        windows = ops.reshape(windows, (-1, self.window_size * self.window_size, channels))
        windows = self.attn(windows, attn_mask=self.attn_mask, training=training)
        windows = ops.reshape(windows, (-1, self.window_size, self.window_size, channels))
        x = window_reverse(windows, self.window_size, height, width, channels)
        if self.shift_size > 0:
            x = ops.roll(x, shift=[self.shift_size, self.shift_size], axis=[1, 2])
        x = ops.reshape(x, (-1, height * width, channels))
        x = skip + self.drop_path(x, training=training)
        skip = x
        x = self.mlp(self.norm2(x), training=training)
        return skip + self.drop_path(x, training=training)

    def get_config(self):
        return {
            **super().get_config(),
            "dim": self.dim,
            "num_patch": list(self.num_patch),
            "num_heads": self.num_heads,
            "window_size": self._requested["window_size"],
            "shift_size": self._requested["shift_size"],
            "num_mlp": self.num_mlp,
            "qkv_bias": self.qkv_bias,
            "dropout_rate": self.dropout_rate,
        }


@keras.saving.register_keras_serializable(package="sprint")
class PatchEmbedding(layers.Layer):
    """A linear projection of each patch plus a learned embedding of its position."""

    def __init__(self, num_patch, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.num_patch = num_patch
        self.embed_dim = embed_dim
        self.proj = layers.Dense(embed_dim)
        self.pos_embed = layers.Embedding(input_dim=num_patch, output_dim=embed_dim)

    def build(self, input_shape):
        self.proj.build(input_shape)
        self.pos_embed.build((self.num_patch,))

    def call(self, patch):
        return self.proj(patch) + self.pos_embed(ops.arange(0, self.num_patch))

    def get_config(self):
        return {**super().get_config(), "num_patch": self.num_patch, "embed_dim": self.embed_dim}


@keras.saving.register_keras_serializable(package="sprint")
class PatchMerging(layers.Layer):
    """Concatenates each 2x2 group of neighbouring patches and projects it to 2 x embed_dim."""

    def __init__(self, num_patch, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.num_patch = tuple(num_patch)
        self.embed_dim = embed_dim
        self.linear_trans = layers.Dense(2 * embed_dim, use_bias=False)

    def build(self, input_shape):
        height, width = self.num_patch
        self.linear_trans.build((None, (height // 2) * (width // 2), 4 * input_shape[-1]))

    def call(self, x):
        height, width = self.num_patch
        _, _, channels = x.shape
        x = ops.reshape(x, (-1, height, width, channels))
        x = ops.concatenate(
            (x[:, 0::2, 0::2, :], x[:, 1::2, 0::2, :], x[:, 0::2, 1::2, :], x[:, 1::2, 1::2, :]),
            axis=-1,
        )
        x = ops.reshape(x, (-1, (height // 2) * (width // 2), 4 * channels))
        return self.linear_trans(x)

    def get_config(self):
        return {
            **super().get_config(),
            "num_patch": list(self.num_patch),
            "embed_dim": self.embed_dim,
        }


CUSTOM_OBJECTS = {
    "PatchExtract": PatchExtract,
    "WindowAttention": WindowAttention,
    "SwinTransformer": SwinTransformer,
    "PatchEmbedding": PatchEmbedding,
    "PatchMerging": PatchMerging,
}
