"""Reproduces the Keras.io example "Sequence to sequence learning for performing number addition".

Example: https://keras.io/examples/nlp/addition_rnn/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/nlp/addition_rnn.py

Facts carried over from the source: 50,000 distinct questions "a+b" with a and b of 1 to 3
random digits (a+b and b+a counted once), padded with spaces to 7 characters and reversed,
answers padded to 4 characters; one-hot over the 12 characters "0123456789+ "; shuffled, the
last 10% held out for validation; LSTM(128) encoder -> RepeatVector(4) -> LSTM(128,
return_sequences) decoder -> Dense(12, softmax); categorical cross-entropy, Adam with its
defaults, batch size 32. The example trains in a loop ``for epoch in range(1, 30)`` of one-epoch
``fit`` calls: 29 epochs, although it sets ``epochs = 30``; we train the same 29 epochs in one
``fit`` call, then evaluate on the held-out questions. "accuracy" is per output character.
"""

import keras
import numpy as np
from keras import layers

TRAINING_SIZE = 50000
DIGITS = 3
REVERSE = True
MAXLEN = DIGITS + 1 + DIGITS
CHARS = "0123456789+ "
EPOCHS = 29  # range(1, 30) in the example
BATCH_SIZE = 32


class CharacterTable:
    """One-hot encoding and decoding over a fixed character set."""

    def __init__(self, chars: str):
        self.chars = sorted(set(chars))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def encode(self, text: str, rows: int) -> np.ndarray:
        onehot = np.zeros((rows, len(self.chars)), dtype=bool)
        for i, c in enumerate(text):
            onehot[i, self.index[c]] = True
        return onehot

    def decode(self, onehot: np.ndarray) -> str:
        return "".join(self.chars[i] for i in onehot.argmax(axis=-1))


def random_number(rng: np.random.Generator) -> int:
    width = rng.integers(1, DIGITS + 1)
    return int("".join(rng.choice(list("0123456789")) for _ in range(width)))


def generate_questions(size: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """``size`` distinct addition questions (padded, reversed) and their padded answers."""
    questions, answers, seen = [], [], set()
    while len(questions) < size:
        a, b = random_number(rng), random_number(rng)
        key = tuple(sorted((a, b)))
        if key in seen:
            continue
        seen.add(key)
        query = f"{a}+{b}".ljust(MAXLEN)
        questions.append(query[::-1] if REVERSE else query)
        answers.append(str(a + b).ljust(DIGITS + 1))
    return questions, answers


def vectorize(questions, answers, table: CharacterTable, rng: np.random.Generator):
    x = np.stack([table.encode(q, MAXLEN) for q in questions])
    y = np.stack([table.encode(a, DIGITS + 1) for a in answers])
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    split_at = len(x) - len(x) // 10
    return (x[:split_at], y[:split_at]), (x[split_at:], y[split_at:])


def build_model() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(MAXLEN, len(CHARS))),
            layers.LSTM(128),
            layers.RepeatVector(DIGITS + 1),
            layers.LSTM(128, return_sequences=True),
            layers.Dense(len(CHARS), activation="softmax"),
        ],
        name="addition_lstm",
    )


def main() -> None:
    rng = np.random.default_rng(np.random.randint(2**31))  # follows the harness' seed
    table = CharacterTable(CHARS)
    questions, answers = generate_questions(TRAINING_SIZE, rng)
    (x_train, y_train), (x_val, y_val) = vectorize(questions, answers, table, rng)
    print("Training data:", x_train.shape, y_train.shape, "validation:", x_val.shape)

    model = build_model()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        validation_data=(x_val, y_val),
    )
    for row in range(5):
        guess = table.decode(model.predict(x_val[row : row + 1], verbose=0)[0])
        question = table.decode(x_val[row])
        question = question[::-1] if REVERSE else question
        print("Q", question, "T", table.decode(y_val[row]), "->", guess)
    model.evaluate(x_val, y_val, batch_size=BATCH_SIZE)


if __name__ == "__main__":
    main()
