"""Reproduces the Keras.io example "Character-level text generation with LSTM".

Example: https://keras.io/examples/generative/lstm_character_level_text_generation/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/generative/lstm_character_level_text_generation.py

Facts carried over from the source: the Nietzsche corpus lower-cased with newlines replaced
by spaces (600,893 characters, 56 distinct); windows of 40 characters taken every 3
characters (200,285 windows), each labelled with the character that follows it, all one-hot;
LSTM(128) -> Dense(56, softmax); categorical cross-entropy, RMSprop(learning_rate=0.01),
batch size 128, 40 epochs; sampling with temperatures ("diversity") 0.2, 0.5, 1.0 and 1.2.

The example trains with 40 one-epoch ``fit`` calls and prints 4 x 400 sampled characters
after each; we train the same 40 epochs in one ``fit`` call and sample once at the end (the
samples are for reading, not measured). The example has no held-out split and reports only
the training loss per epoch, which the check compares.
"""

import keras
import numpy as np

DATA_URL = "https://s3.amazonaws.com/text-datasets/nietzsche.txt"
MAXLEN = 40
STEP = 3
EPOCHS = 40
BATCH_SIZE = 128
SAMPLE_LENGTH = 400


def load_text() -> str:
    path = keras.utils.get_file(origin=DATA_URL)
    with open(path, encoding="utf-8") as f:
        return f.read().lower().replace("\n", " ")


def vectorize(text: str, chars: list[str]) -> tuple[np.ndarray, np.ndarray]:
    index = {c: i for i, c in enumerate(chars)}
    starts = range(0, len(text) - MAXLEN, STEP)
    x = np.zeros((len(starts), MAXLEN, len(chars)), dtype=bool)
    y = np.zeros((len(starts), len(chars)), dtype=bool)
    for row, start in enumerate(starts):
        for t, char in enumerate(text[start : start + MAXLEN]):
            x[row, t, index[char]] = True
        y[row, index[text[start + MAXLEN]]] = True
    return x, y


def build_model(num_chars: int) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(MAXLEN, num_chars)),
            keras.layers.LSTM(128),
            keras.layers.Dense(num_chars, activation="softmax"),
        ],
        name="char_lstm",
    )


def sample_index(probabilities: np.ndarray, temperature: float) -> int:
    logits = np.log(np.asarray(probabilities, dtype="float64") + 1e-12) / temperature
    weights = np.exp(logits - logits.max())
    return int(np.argmax(np.random.multinomial(1, weights / weights.sum(), 1)))


def generate(model: keras.Model, seed_text: str, chars: list[str], temperature: float) -> str:
    index = {c: i for i, c in enumerate(chars)}
    window, generated = seed_text, []
    for _ in range(SAMPLE_LENGTH):
        x = np.zeros((1, MAXLEN, len(chars)), dtype="float32")
        for t, char in enumerate(window):
            x[0, t, index[char]] = 1.0
        probabilities = model.predict_on_batch(x)[0]  # compiled: far faster than model(x)
        next_char = chars[sample_index(probabilities, temperature)]
        window = window[1:] + next_char
        generated.append(next_char)
    return "".join(generated)


def main() -> None:
    text = load_text()
    chars = sorted(set(text))
    print("Corpus length:", len(text), "distinct characters:", len(chars))
    x, y = vectorize(text, chars)
    print("Number of sequences:", len(x))

    model = build_model(len(chars))
    model.compile(
        loss="categorical_crossentropy",
        optimizer=keras.optimizers.RMSprop(learning_rate=0.01),
    )
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=EPOCHS)

    start = np.random.randint(0, len(text) - MAXLEN - 1)
    seed_text = text[start : start + MAXLEN]
    for temperature in (0.2, 0.5, 1.0, 1.2):
        print(f'...Diversity {temperature}, seed "{seed_text}"')
        print("...Generated:", generate(model, seed_text, chars, temperature))


if __name__ == "__main__":
    main()
