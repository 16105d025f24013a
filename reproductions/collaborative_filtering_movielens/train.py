"""Reproduces the Keras.io example "Collaborative Filtering for Movie Recommendations".

Example: https://keras.io/examples/structured_data/collaborative_filtering_movielens/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/structured_data/collaborative_filtering_movielens.py

Facts carried over from the source: MovieLens latest-small ``ratings.csv`` (100,836 ratings,
610 users, 9,724 movies); user and movie ids mapped to indices in order of first appearance;
ratings min-max scaled to [0, 1]; rows shuffled with ``DataFrame.sample(frac=1,
random_state=42)``, the first 90% for training and the last 10% for validation; 50-dimensional
user and movie embeddings (he_normal, L2 1e-6) plus one bias embedding each; score =
``tensordot(user_vectors, movie_vectors, 2)`` + user bias + movie bias through a sigmoid;
binary cross-entropy, Adam(1e-3), batch size 64, 5 epochs.

Note that ``tensordot(..., axes=2)`` on two (batch, 50) matrices contracts both axes: it is
one scalar per batch (the sum of all the batch's dot products), shared by every row, not a
per-pair dot product. We keep that computation because the reported losses come from it.
"""

import zipfile

import keras
import pandas as pd
from keras import layers, ops

DATA_URL = "http://files.grouplens.org/datasets/movielens/ml-latest-small.zip"
EMBEDDING_SIZE = 50
BATCH_SIZE = 64
EPOCHS = 5


@keras.saving.register_keras_serializable(package="sprint")
class RecommenderNet(keras.Model):
    """Matrix factorisation with per-user and per-movie biases, as in the example."""

    def __init__(self, num_users, num_movies, embedding_size=EMBEDDING_SIZE, **kwargs):
        super().__init__(**kwargs)
        self.num_users = num_users
        self.num_movies = num_movies
        self.embedding_size = embedding_size
        regularizer = keras.regularizers.l2(1e-6)
        self.user_embedding = layers.Embedding(
            num_users, embedding_size, embeddings_initializer="he_normal",
            embeddings_regularizer=regularizer,
        )
        self.user_bias = layers.Embedding(num_users, 1)
        self.movie_embedding = layers.Embedding(
            num_movies, embedding_size, embeddings_initializer="he_normal",
            embeddings_regularizer=regularizer,
        )
        self.movie_bias = layers.Embedding(num_movies, 1)

    def call(self, inputs):
        users, movies = inputs[:, 0], inputs[:, 1]
        score = ops.tensordot(self.user_embedding(users), self.movie_embedding(movies), 2)
        return ops.sigmoid(score + self.user_bias(users) + self.movie_bias(movies))

    def get_config(self):
        return {
            **super().get_config(),
            "num_users": self.num_users,
            "num_movies": self.num_movies,
            "embedding_size": self.embedding_size,
        }


def load_ratings() -> pd.DataFrame:
    archive = keras.utils.get_file(origin=DATA_URL)
    with zipfile.ZipFile(archive) as zipped, zipped.open("ml-latest-small/ratings.csv") as f:
        return pd.read_csv(f)


def main() -> None:
    ratings = load_ratings()
    user_index = {u: i for i, u in enumerate(ratings["userId"].unique())}
    movie_index = {m: i for i, m in enumerate(ratings["movieId"].unique())}
    ratings["user"] = ratings["userId"].map(user_index)
    ratings["movie"] = ratings["movieId"].map(movie_index)
    low, high = ratings["rating"].min(), ratings["rating"].max()
    print(f"Users: {len(user_index)}, movies: {len(movie_index)}, ratings {low}..{high}")

    ratings = ratings.sample(frac=1, random_state=42)
    x = ratings[["user", "movie"]].to_numpy("int32")
    y = ((ratings["rating"] - low) / (high - low)).to_numpy("float32")
    split = int(0.9 * len(ratings))
    x_train, x_val, y_train, y_val = x[:split], x[split:], y[:split], y[split:]

    model = RecommenderNet(len(user_index), len(movie_index), EMBEDDING_SIZE)
    model.compile(
        loss=keras.losses.BinaryCrossentropy(),
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    )
    model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        validation_data=(x_val, y_val),
    )
    model.evaluate(x_val, y_val, batch_size=BATCH_SIZE)


if __name__ == "__main__":
    main()
