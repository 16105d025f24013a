"""Cutting a tutobook into prose, code, shell and invisible cells, with source line numbers."""

from __future__ import annotations

import pytest
from example_fixtures import FIXTURES, line_of, tutobook

from toolkit.cli import main
from toolkit.errors import ExampleError
from toolkit.example import load_example, parse_example_text


def kinds(text: str) -> list[str]:
    return [cell.kind for cell in parse_example_text(text).cells]


def test_cells_of_a_full_fixture_with_lines() -> None:
    path = FIXTURES / "pin_jax_tabular.py"
    source = path.read_text().split("\n")
    example = load_example(path)
    assert [c.kind for c in example.cells] == [
        "prose",
        "shell",
        "invisible",
        "code",
        "prose",
        "code",
        "prose",
    ]
    for cell in example.cells:  # line i of a cell's text is source line cell.line + i
        for offset, line in enumerate(cell.text.split("\n")):
            assert source[cell.line - 1 + offset] == line


def test_four_quote_opener_starts_a_prose_cell() -> None:
    example = load_example(FIXTURES / "pin_jax_tabular.py")
    intro = example.cells[0]
    assert intro.kind == "prose" and intro.text.startswith("## Introduction")
    assert '"' not in intro.text.split("\n")[0]


def test_prose_right_after_code_without_blank_line() -> None:
    text = tutobook('''
        x = 1
        """
        ## Right after code
        """
        y = 2
    ''')
    example = parse_example_text(text)
    assert [(c.kind, c.text) for c in example.cells] == [
        ("code", "x = 1"),
        ("prose", "## Right after code"),
        ("code", "y = 2"),
    ]
    assert example.cells[1].line == line_of(text, "## Right after code")


def test_docstrings_inside_functions_and_classes_are_code() -> None:
    text = tutobook('''
        def f():
            """A docstring.

            With a second paragraph.
            """
            return 1


        class Model:
            """Also code."""
    ''')
    assert kinds(text) == ["code"]


def test_column_zero_quotes_closing_a_code_string_are_code() -> None:
    text = tutobook('''
        TEMPLATE = """
        text inside a string
        """
        value = 3
        """
        ## Real prose
        """
    ''')
    example = parse_example_text(text)
    assert [c.kind for c in example.cells] == ["code", "prose"]
    assert "value = 3" in example.cells[0].text
    assert example.cells[1].text == "## Real prose"


def test_shell_cells_with_and_without_bang() -> None:
    text = tutobook('''
        """shell
        pip install -q keras-hub
        !wget -q https://example.org/a.zip
        """
    ''')
    example = parse_example_text(text)
    assert [c.kind for c in example.cells] == ["shell"]
    assert example.requirements == ["keras-hub"]
    assert [d.url for d in example.data_sources] == ["https://example.org/a.zip"]


def test_invisible_cells_are_kept_but_not_read_for_claims() -> None:
    text = tutobook('''
        """invisible
        The model gets 99% test accuracy.
        """
    ''')
    example = parse_example_text(text)
    assert [c.kind for c in example.cells] == ["invisible"]
    assert example.metrics == []


def test_markdown_images_are_not_commands() -> None:
    text = tutobook('''
        """
        ![A plot](https://example.org/plot.png)
        """
    ''')
    example = parse_example_text(text)
    assert [c.kind for c in example.cells] == ["prose"]
    assert example.shell_commands == [] and example.requirements == []


def test_prose_cell_holding_only_bang_commands_is_a_shell_cell() -> None:
    text = tutobook('''
        """
        !pip install -q rich
        !curl -sLO https://example.org/b.csv
        """
    ''')
    example = parse_example_text(text)
    assert [c.kind for c in example.cells] == ["shell"]
    assert example.requirements == ["rich"]


def test_bang_command_inside_prose_is_read_but_the_cell_stays_prose() -> None:
    text = tutobook('''
        """
        Install the extra package first:

        !pip install -q einops

        ![diagram](https://example.org/d.png)
        """
    ''')
    example = parse_example_text(text)
    assert [c.kind for c in example.cells] == ["prose"]
    assert example.requirements == ["einops"]
    assert example.shell_commands[0].line == line_of(text, "!pip install")


def test_bang_lines_and_magics_in_code_become_shell_cells_or_are_dropped() -> None:
    text = tutobook("""
        import keras
        !pip install -q tqdm
        %matplotlib inline
        x = 1
    """)
    example = parse_example_text(text)
    assert [c.kind for c in example.cells] == ["code", "shell", "code"]
    assert example.requirements == ["tqdm"]
    assert any("%matplotlib inline" in w for w in example.warnings)
    assert not any(f.code == "syntax-error" for f in example.findings)


def test_one_line_prose_cell() -> None:
    text = tutobook('''
        """One-line prose."""
        x = 1
    ''')
    example = parse_example_text(text)
    assert [(c.kind, c.text) for c in example.cells] == [
        ("prose", "One-line prose."),
        ("code", "x = 1"),
    ]


def test_unclosed_cell_is_refused_at_its_opening_quotes(tmp_path) -> None:
    # Everything after the quotes would silently become prose, the code included.
    text = tutobook('''
        x = 1
        """
        ## Never closed

        model.fit(x, y, epochs=3)
    ''')
    path = tmp_path / "unclosed_cell.py"
    path.write_text(text)
    with pytest.raises(ExampleError) as info:
        load_example(path)
    opener = line_of(text, "## Never closed") - 1
    assert info.value.what.startswith(f"The prose cell opened on line {opener} is never closed")
    assert info.value.where == f"{path}, line {opener}"
    assert 'close it with a line of """' in info.value.fix


def test_unclosed_shell_cell_exits_2(tmp_path, capsys) -> None:
    text = tutobook('"""shell\npip install rich\n\nimport keras\n')
    path = tmp_path / "unclosed_shell.py"
    path.write_text(text)
    assert main(["show", str(path)]) == 2
    opener = line_of(text, '"""shell')
    assert f"The shell cell opened on line {opener} is never closed" in capsys.readouterr().err


def test_crlf_line_endings_are_normalised() -> None:
    text = tutobook('''
        """
        ## Prose
        """
        x = 1
    ''').replace("\n", "\r\n")
    example = parse_example_text(text)
    assert [c.kind for c in example.cells] == ["prose", "code"]
    assert "\r" not in example.text


def test_code_property_joins_code_cells() -> None:
    example = load_example(FIXTURES / "legacy_tf_keras.py")
    assert "import numpy as np" in example.code and "## Setup" not in example.code


def test_get_ipython_lines_from_an_exported_notebook() -> None:
    text = tutobook("""
        get_ipython().system('pip install -q einops')
        get_ipython().run_line_magic('matplotlib', 'inline')
        get_ipython().run_line_magic('env', 'KERAS_BACKEND=jax')
        get_ipython().run_cell_magic('bash', '', 'wget -q https://e.org/x.zip\\npip install rich')
        import keras
    """)
    example = parse_example_text(text)
    assert [c.kind for c in example.cells] == ["shell", "shell", "code"]
    assert example.requirements == ["einops", "rich"]
    assert example.backend == "jax"
    assert [d.url for d in example.data_sources] == ["https://e.org/x.zip"]
    assert any("run_line_magic('matplotlib'" in w for w in example.warnings)
    assert example.cells[-1].text == "import keras"
