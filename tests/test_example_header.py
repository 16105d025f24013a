"""The header docstring: keys, authors, dates, accelerator, and the errors a bad header gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from example_fixtures import FIXTURES, tutobook

from toolkit.cli import main
from toolkit.errors import ExampleError
from toolkit.example import (
    Author,
    load_example,
    normalise_accelerator,
    parse_authors,
    parse_date,
    parse_example_text,
)


def header(*lines: str) -> str:
    return '"""\n' + "\n".join(lines) + '\n"""\n\nimport keras\n'


def test_all_usual_keys_are_read_and_normalised() -> None:
    example = load_example(FIXTURES / "pin_jax_tabular.py")
    h = example.header
    assert h.title == "Crop yield regression on generated field data"
    assert h.date_created == "2023-02-01"
    assert h.last_modified == "2024-03-05"  # "Last Modified" (capital M) with ISO dashes
    assert h.accelerator == "GPU"
    assert h.line == 3  # after a shebang and a comment line
    assert example.warnings == []


def test_description_running_onto_the_next_line_is_joined() -> None:
    h = load_example(FIXTURES / "pin_jax_tabular.py").header
    assert h.description == (
        "A small MLP that predicts crop yield from soil features, "
        "reaching a validation MAE of about 0.35 t/ha."
    )
    assert h.description_line == 8


def test_unknown_keys_are_kept_verbatim_in_extra() -> None:
    h = load_example(FIXTURES / "pin_jax_tabular.py").header
    assert h.extra == {
        "Converted to Keras 3 by": "[Dee Porter](https://example.org/dee)",
        "Reviewed by": "nobody in particular",
    }
    assert h.raw["Last Modified"] == "2024-03-05"


def test_several_authors_as_links_commas_and_and() -> None:
    h = load_example(FIXTURES / "pin_jax_tabular.py").header
    assert h.authors == [
        Author("Ada Field", "https://example.org/ada"),
        Author("Bo Harvest", "https://example.org/bo"),
        Author("Cy Tiller", ""),
    ]


def test_malformed_link_and_missing_space_after_colon() -> None:
    h = load_example(FIXTURES / "legacy_tf_keras.py").header
    assert h.authors == [Author("Gil Sprout", "https://example.org/gil")]  # Author:[Gil] (url)
    assert h.date_created == "2021-06-23"  # Jun 23, 2021
    assert h.last_modified == "2022-06-14"  # day-first 14/06/2022
    assert h.accelerator == "None"  # NONE


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "[fchollet](https://twitter.com/fchollet)",
            [Author("fchollet", "https://twitter.com/fchollet")],
        ),
        (
            "[A B](https://a.org), [C D](https://c.org)",
            [Author("A B", "https://a.org"), Author("C D", "https://c.org")],
        ),
        ("[A](u1) and [B](u2)", [Author("A", "u1"), Author("B", "u2")]),
        ("[Name] (https://n.org)", [Author("Name", "https://n.org")]),
        (
            "Jane Doe, John Roe & Ann Poe",
            [Author("Jane Doe"), Author("John Roe"), Author("Ann Poe")],
        ),
        ("Jane Doe (https://jane.dev)", [Author("Jane Doe", "https://jane.dev")]),
        ("[Smith and Sons](https://s.org)", [Author("Smith and Sons", "https://s.org")]),
        ("", []),
    ],
)
def test_author_variants(value: str, expected: list[Author]) -> None:
    assert parse_authors(value) == expected


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2020/04/21", "2020-04-21"),
        ("2020-4-1", "2020-04-01"),
        ("Jun 23, 2021", "2021-06-23"),
        ("June 23 2021", "2021-06-23"),
        ("23 Sept 2021", "2021-09-23"),
        ("14/06/2020", "2020-06-14"),
        ("06/14/2020", "2020-06-14"),  # month-first when the second number cannot be a month
    ],
)
def test_date_formats(value: str, iso: str) -> None:
    assert parse_date(value) == (iso, "")


def test_ambiguous_day_first_date_is_read_day_first_with_a_note() -> None:
    iso, note = parse_date("03/04/2021")
    assert iso == "2021-04-03" and "ambiguous" in note


@pytest.mark.parametrize("value", ["FILLME", "2021/13/45", "Jun 31, 2021", "sometime in 2020"])
def test_unreadable_dates_become_empty_with_a_warning(value: str) -> None:
    example = parse_example_text(header("Title: T", f"Date created: {value}"))
    assert example.header.date_created == ""
    assert any("cannot read the date" in w and "line 3" in w for w in example.warnings)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("GPU", "GPU"),
        ("gpu", "GPU"),
        ("TPU", "TPU"),
        ("None", "None"),
        ("NONE", "None"),
        ("CPU", "None"),
        ("", ""),
        ("quantum", ""),
    ],
)
def test_accelerator_values(value: str, expected: str) -> None:
    assert normalise_accelerator(value) == expected


def test_unknown_accelerator_warns() -> None:
    example = parse_example_text(header("Title: T", "Accelerator: abacus"))
    assert example.header.accelerator == ""
    assert any("unknown Accelerator 'abacus'" in w for w in example.warnings)


def test_missing_optional_fields_are_warnings_not_errors() -> None:
    example = parse_example_text(header("Title: Only a title"))
    assert example.header.title == "Only a title"
    missing = " ".join(example.warnings)
    for field in ("Author", "Date created", "Last modified", "Description", "Accelerator"):
        assert f"no {field}" in missing


def test_authors_key_may_be_plural_and_title_may_have_no_space() -> None:
    example = parse_example_text(header("Title:Tight", "Authors: A and B"))
    assert example.header.title == "Tight"
    assert [a.name for a in example.header.authors] == ["A", "B"]


def test_a_url_line_continues_the_previous_value() -> None:
    example = parse_example_text(
        header("Title: T", "Description: Long text", "see https://example.org/more for details.")
    )
    assert example.header.description == ("Long text see https://example.org/more for details.")
    assert example.header.extra == {}


def test_capitalised_continuation_of_an_unfinished_description() -> None:
    example = parse_example_text(
        header(
            "Title: T",
            "Description: Predicting yield",
            "With soil data: a study.",
            "Reviewed by: Ann",
        )
    )
    assert example.header.description == "Predicting yield With soil data: a study."
    assert example.header.extra == {"Reviewed by": "Ann"}


def test_header_after_blank_and_comment_lines() -> None:
    text = "\n# Copyright 2024\n\n" + header("Title: Late header")
    assert parse_example_text(text).header.line == 4


def test_file_without_header_takes_its_title_from_the_file_name_with_a_warning() -> None:
    example = load_example(FIXTURES / "no_header.py")
    assert example.header.title == "No header"
    assert example.header.inferred == {"title": "from the file name 'no_header.py'"}
    [warning] = example.warnings
    assert "no header docstring (line 1 opens with code)" in warning
    assert "'No header' inferred from the file name" in warning and "Title" in warning
    assert [c.kind for c in example.cells] == ["code", "prose"]  # nothing swallowed


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("mnist_convnet.py", "MNIST convnet"),
        ("text-classification_with_lstm.py", "Text classification with LSTM"),
        ("vae.py", "VAE"),
    ],
)
def test_title_from_file_name_keeps_known_acronyms(tmp_path: Path, name: str, title: str) -> None:
    path = tmp_path / name
    path.write_text("import keras\n")
    assert load_example(path).header.title == title


def test_prose_without_keys_first_is_not_a_header_but_the_first_cell() -> None:
    example = parse_example_text('"""\n## Just prose\n"""\n\nimport keras\n')
    assert example.header.title == "Untitled example"
    assert example.header.inferred == {"title": "as a placeholder (no file name)"}
    assert [c.kind for c in example.cells] == ["prose", "code"]
    assert "opens with prose" in example.warnings[0]


def test_new_scaffolds_a_file_without_header_and_records_the_inferred_title(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    assert main(["new", str(FIXTURES / "no_header.py"), "--slug", "bare"]) == 0
    out = capsys.readouterr().out
    assert "no header docstring" in out and "No header" in out
    folder = tmp_path / "reproductions" / "bare"
    record = json.loads((folder / ".scaffold.json").read_text())
    assert record["inferred"] == {"title": "from the file name 'no_header.py'"}
    assert 'title = "No header"' in (folder / "reproduction.toml").read_text()
    assert "inferred from the file name" in (folder / "README.md").read_text()


def test_header_without_title_is_an_error() -> None:
    with pytest.raises(ExampleError) as info:
        load_example(FIXTURES / "no_title.py")
    message = str(info.value)
    assert "no Title" in message and "line 1" in message and "Title:" in message


def test_empty_title_is_an_error() -> None:
    with pytest.raises(ExampleError, match="no Title"):
        parse_example_text(header("Title:", "Author: A"))


def test_minimal_header_parses_without_code() -> None:
    example = parse_example_text(tutobook())
    assert example.header.title == "A test example"
    assert example.cells == [] and example.metrics == []


UNCLOSED_HEADER = '''#!/usr/bin/env python
"""
Title: A header never closed
Author: A. Person
Accelerator: None

import keras

model.fit(x, y, epochs=3)
'''


def test_unclosed_header_is_refused_with_its_line_and_fix(tmp_path: Path, capsys) -> None:
    path = tmp_path / "unclosed.py"
    path.write_text(UNCLOSED_HEADER)
    assert main(["show", str(path)]) == 2
    err = capsys.readouterr().err
    assert "The header docstring opened on line 2 is never closed" in err
    assert f"{path}, line 2" in err
    assert 'close it with a line of """' in err


def test_unclosed_header_writes_no_reproduction(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "unclosed.py"
    path.write_text(UNCLOSED_HEADER)
    (tmp_path / "reproductions").mkdir()
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    assert main(["new", str(path), "--slug", "unclosed"]) == 2
    assert "never closed" in capsys.readouterr().err
    assert list((tmp_path / "reproductions").iterdir()) == []


def test_header_closed_by_the_next_cell_is_named_in_the_fix() -> None:
    # Its missing quotes shift every later pair: the last prose cell is left open, and the
    # header holds the code that should follow it.
    text = UNCLOSED_HEADER.replace("model.fit", '"""\n## Train\n"""\nmodel.fit')
    with pytest.raises(ExampleError) as info:
        parse_example_text(text)
    assert "is never closed" in info.value.what
    assert "the header docstring holds code (line 7: 'import keras')" in info.value.fix
