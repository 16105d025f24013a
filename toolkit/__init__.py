"""keras-sprint: reproduce Keras.io examples, check them, publish them and demo them."""

__version__ = "0.1.0"
