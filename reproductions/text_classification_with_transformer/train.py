"""Reproduces the Keras.io example "Text classification with Transformer".

Example: https://keras.io/examples/nlp/text_classification_with_transformer/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/nlp/text_classification_with_transformer.py
Read at: examples/nlp/text_classification_with_transformer.py and its rendered page
examples/nlp/md/text_classification_with_transformer.md @ 1909c671 ("Last modified: 2024/01/18").

Facts carried over from the example: IMDB through keras.datasets.imdb.load_data with the
20,000 most frequent words (the loader's defaults otherwise: start id 1, out-of-vocabulary id
2, word ranks shifted by 3), every review padded or cut to 200 ids with
keras.utils.pad_sequences (its defaults: zeros in front, the first words cut); a token
embedding (20,000 x 32) plus a learned position embedding (200 x 32); one Transformer block
(MultiHeadAttention with 2 heads and key_dim 32, dropout 0.1, residual and
LayerNormalization(epsilon=1e-6) after attention and after a Dense(32, relu) -> Dense(32)
feed-forward network); global average pooling, Dropout(0.1), Dense(20, relu), Dropout(0.1),
Dense(2, softmax). Adam with its defaults, sparse categorical cross-entropy, accuracy,
batch size 32, 2 epochs, the 25,000 test reviews as validation data.

Differences from the example, none of which changes the model's maths:
- The two custom layers are registered serialisable with a get_config (and accept the
  usual layer keyword arguments) and build their sublayers in build(), so model.keras
  reloads without Keras' unbuilt-state warning.
- The script writes vocabulary.txt next to itself for the text Space: line i is the word the
  model reads as id i, from keras.datasets.imdb.get_word_index() with the loader's
  conventions (0 padding, 1 "[START]", 2 "[UNK]" for words outside the 20,000, 3 unused,
  rank r at line r + 3). The example prints no vocabulary.
- fit() runs with verbose=2 (one line per epoch) instead of a progress bar.
"""

import os

import keras
from keras import layers, ops

VOCAB_SIZE = 20000  # Only consider the top 20k words
MAXLEN = 200  # Only consider 200 words of each review (pad_sequences' defaults)
EMBED_DIM = 32  # Embedding size for each token
NUM_HEADS = 2  # Attention heads
FF_DIM = 32  # Hidden layer size of the feed-forward network in the Transformer block
BATCH_SIZE = 32
EPOCHS = 2
# keras.datasets.imdb.load_data's defaults, which the example keeps
START_CHAR = 1
OOV_CHAR = 2
INDEX_FROM = 3
# written next to this script (the reproduction folder), for [task] vocabulary
VOCABULARY_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vocabulary.txt")


@keras.saving.register_keras_serializable(package="sprint")
class TransformerBlock(layers.Layer):
    """Self-attention and a feed-forward network, each with dropout, residual and layer norm."""

    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.ff_dim = ff_dim
        self.rate = rate
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def build(self, input_shape):
        self.att.build(input_shape, input_shape)
        self.ffn.build(input_shape)
        self.layernorm1.build(input_shape)
        self.layernorm2.build(input_shape)

    def call(self, inputs, training=None):
        attn_output = self.att(inputs, inputs, training=training)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.dropout2(self.ffn(out1), training=training)
        return self.layernorm2(out1 + ffn_output)

    def get_config(self):
        return {
            **super().get_config(),
            "embed_dim": self.embed_dim,
            "num_heads": self.num_heads,
            "ff_dim": self.ff_dim,
            "rate": self.rate,
        }


@keras.saving.register_keras_serializable(package="sprint")
class TokenAndPositionEmbedding(layers.Layer):
    """The sum of a token embedding and an embedding of the token's position."""

    def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.maxlen = maxlen
        self.vocab_size = vocab_size
        self.embed_dim = embed_dim
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def build(self, input_shape):
        self.token_emb.build(input_shape)
        self.pos_emb.build((self.maxlen,))

    def call(self, x):
        length = ops.shape(x)[-1]
        positions = self.pos_emb(ops.arange(start=0, stop=length, step=1))
        return self.token_emb(x) + positions

    def get_config(self):
        return {
            **super().get_config(),
            "maxlen": self.maxlen,
            "vocab_size": self.vocab_size,
            "embed_dim": self.embed_dim,
        }


def write_vocabulary(path: str) -> int:
    """Write the id -> word table the loader's ids follow; the number of lines written."""
    word_index = keras.datasets.imdb.get_word_index()
    lines = ["", "[START]", "[UNK]", "[UNUSED]"]
    by_id = {rank + INDEX_FROM: word for word, rank in word_index.items()}
    last = min(VOCAB_SIZE - 1, max(by_id, default=INDEX_FROM))
    for index in range(len(lines), last + 1):
        lines.append(by_id.get(index, f"[UNUSED_{index}]"))
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    os.replace(partial, path)  # atomic: a reader never sees half a vocabulary
    return len(lines)


def load_imdb():
    (x_train, y_train), (x_val, y_val) = keras.datasets.imdb.load_data(num_words=VOCAB_SIZE)
    print(len(x_train), "Training sequences")
    print(len(x_val), "Validation sequences")
    x_train = keras.utils.pad_sequences(x_train, maxlen=MAXLEN)
    x_val = keras.utils.pad_sequences(x_val, maxlen=MAXLEN)
    return (x_train, y_train), (x_val, y_val)


def build_model() -> keras.Model:
    inputs = layers.Input(shape=(MAXLEN,))
    x = TokenAndPositionEmbedding(MAXLEN, VOCAB_SIZE, EMBED_DIM)(inputs)
    x = TransformerBlock(EMBED_DIM, NUM_HEADS, FF_DIM)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="transformer_classifier")


def main() -> None:
    (x_train, y_train), (x_val, y_val) = load_imdb()
    print("Vocabulary lines written:", write_vocabulary(VOCABULARY_FILE))
    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        validation_data=(x_val, y_val),
        verbose=2,
    )


if __name__ == "__main__":
    main()
