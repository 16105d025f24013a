"""Custom Keras objects of this model: RecommenderNet. Extracted by keras-sprint from train.py
lines 26, 31-63. keras.saving.load_model needs them to rebuild the model: import this module
first, or pass custom_objects=CUSTOM_OBJECTS.
"""

import keras
from keras import layers, ops

EMBEDDING_SIZE = 50


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


CUSTOM_OBJECTS = {"RecommenderNet": RecommenderNet}
