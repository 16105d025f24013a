"""Custom Keras objects of this model: custom_standardization. Extracted by keras-sprint from
train.py lines 60-65. keras.saving.load_model needs them to rebuild the model: import this
module first, or pass custom_objects=CUSTOM_OBJECTS.
"""

import re
import string

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="sprint")
def custom_standardization(input_data):
    """Lower-case, "<br />" -> " ", punctuation removed (the default keeps HTML breaks)."""
    lowercase = tf.strings.lower(input_data)
    stripped_html = tf.strings.regex_replace(lowercase, "<br />", " ")
    return tf.strings.regex_replace(stripped_html, f"[{re.escape(string.punctuation)}]", "")


CUSTOM_OBJECTS = {"custom_standardization": custom_standardization}
