"""Property tests: no text makes the parser fail with anything but ExampleError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.claims import claims_from_text, figures_from_rendered_md
from toolkit.compat import apply_fixes
from toolkit.errors import ExampleError
from toolkit.example import parse_example_text

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADER_KEYS = [
    "Title",
    "Author",
    "Authors",
    "Date created",
    "Last modified",
    "Last Modified",
    "Description",
    "Accelerator",
    "Converted to Keras 3 by",
    "title",
    "Date",
]
header_line = st.one_of(
    st.builds(
        lambda k, sep, v: f"{k}{sep}{v}",
        st.sampled_from(HEADER_KEYS),
        st.sampled_from([": ", ":", " : ", ""]),
        st.text(max_size=40),
    ),
    st.builds(lambda n, u: f"[{n}]({u})", st.text(max_size=10), st.text(max_size=10)),
    st.sampled_from(
        [
            "Date created: 31/02/2020",
            "Date created: Feb 30, 2021",
            "Author: and , &",
            "Accelerator: ",
            "Description: 1e309% accuracy",
            "Title: \t",
            "",
        ]
    ),
)
body_line = st.one_of(
    st.sampled_from(
        [
            '"""',
            '""""',
            '"""shell',
            '"""invisible',
            "'''",
            'x = """',
            '    """doc',
            "def f():",
            "!pip install -q keras",
            "![img](https://e.org/a.png)",
            "%matplotlib inline",
            "%%bash",
            "import os",
            "os.environ['KERAS_BACKEND'] = 'jax'",
            "import tensorflow as tf",
            "tf.data.Dataset.range(3)",
            "(x, y), _ = keras.datasets.mnist.load_data()",
            "keras.utils.get_file(origin=URL)",
            "pd.read_csv('https://e.org/a.csv')",
            "model.fit(x, epochs=EPOCHS, workers=2)",
            "Adam(lr=0.1, decay=1)",
            "np.float(1)",
            "from tensorflow.keras.layers.experimental import preprocessing",
            "x = (",
            ")",
            "We get ~97% validation accuracy after 50 epochs.",
            "val_loss around 0.3",
            "Epoch 1/2",
            "10/10 ━━━━ 1s - loss: 0.5 - accuracy: 0.9",
            "\\",
            "\t",
            "",
        ]
    ),
    st.text(max_size=60),
)


@SETTINGS
@given(st.text())
def test_arbitrary_text_raises_only_example_error(text: str) -> None:
    try:
        parse_example_text(text)
    except ExampleError as error:
        assert error.what and "\n" not in error.what


@SETTINGS
@given(st.lists(header_line, max_size=8), st.lists(body_line, max_size=30))
def test_header_like_text_parses_or_raises_example_error(
    header: list[str], body: list[str]
) -> None:
    text = '"""\n' + "\n".join(header) + '\n"""\n' + "\n".join(body)
    try:
        example = parse_example_text(text)
    except ExampleError:
        return
    assert example.header.title
    assert all(cell.kind in ("prose", "code", "shell", "invisible") for cell in example.cells)
    assert all(1 <= cell.line <= example.text.count("\n") + 1 for cell in example.cells)
    assert all(f.line >= 1 for f in example.findings)
    assert example.backend in ("any", "tensorflow") or example.backend_reason
    example.to_dict()


@SETTINGS
@given(st.lists(body_line, max_size=30))
def test_fixes_keep_the_line_count_and_are_idempotent(body: list[str]) -> None:
    text = '"""\nTitle: T\n"""\n' + "\n".join(body)
    once, _ = apply_fixes(text)
    assert once.count("\n") == text.count("\n")
    twice, applied = apply_fixes(once)
    assert twice == once and applied == []


@SETTINGS
@given(st.text(max_size=300))
def test_claims_and_figures_never_fail(text: str) -> None:
    for claim in claims_from_text(text, "prose", 1) + figures_from_rendered_md(text):
        assert claim.split in ("test", "validation", "train")
        assert claim.qualifier in ("approx", "at_least", "at_most", "exact")
        assert claim.value == claim.value  # not NaN
