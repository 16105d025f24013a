"""The time-series Space bounds each request's work and refuses unusable series plainly
(issue 17).

One app (space_fixtures' ``nab`` case: a (24, 1) window autoencoder) is generated, started
on localhost and called as a visitor's browser does: with gradio_client, or, for payloads
the client would never send, with the HTTP calls underneath it.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from space_fixtures import CASES, RunningApp, generate, running_app, save_model

GRADIO_INTERNALS = ("validation error", "pydantic", "FileData", "Traceback", "/tmp/")


@pytest.fixture(scope="module")
def nab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    case = CASES["nab"]
    model = save_model(case, tmp_path_factory.mktemp("models"))
    folder = generate(tmp_path_factory.mktemp("sprint-root"), case, model).plan.folder
    with running_app(folder, str(model)) as running:
        yield running


def predict(app: RunningApp, value):
    return app.client().predict(value, api_name="/predict")


def refused(app: RunningApp, value) -> str:
    """The message a visitor sees for ``value``; the app stays up and logs no traceback."""
    before = len(app.output())
    with pytest.raises(AppError) as caught:
        predict(app, value)
    assert app.process.poll() is None, "the app died on a bad input"
    assert "Traceback" not in app.output()[before:], app.output()[before:]
    message = str(caught.value)
    assert not [text for text in GRADIO_INTERNALS if text in message], message
    return message


def csv_file(folder: Path, rows: list[str], header: str = "step,value") -> str:
    path = folder / "series.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return handle_file(str(path))


def wave(n: int = 40) -> list[str]:
    return [f"{np.sin(i / 4):.3f}" for i in range(n)]


def answered(app: RunningApp, path: Path) -> str:
    """The summary of a valid series: the app still answers after the refusals."""
    _, summary = predict(app, handle_file(str(path)))
    return summary


# -- work per request is bounded before parsing ------------------------------------------------


def test_a_csv_of_200000_columns_is_refused_from_its_header(nab, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(
        ",".join(f"c{i}" for i in range(200_000))
        + "\n"
        + ",".join("1" for _ in range(200_000))
        + "\n"
    )
    assert 1_500_000 < path.stat().st_size < 5 * 2**20  # under the size cap: columns decide
    message = refused(nab, handle_file(str(path)))
    assert message.startswith("wide.csv has 200,000 columns; this demo reads up to 1,000.")
    assert "Keep the measurement column(s)" in message


def test_a_csv_over_the_size_cap_is_refused(nab, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("step,value\n" + "".join(f"{i},{np.sin(i / 9):.12f}\n" for i in range(330_000)))
    assert 5 * 2**20 < path.stat().st_size < 20 * 2**20  # what Gradio's own upload cap lets in
    message = refused(nab, handle_file(str(path)))
    assert message.startswith("long.csv is 7.0 MB;")
    assert "this demo reads CSV files up to 5 MB. Upload fewer rows" in message


# -- values the model cannot use are named --------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("inf", "Column value, row 31 (counting after the header): inf is not a finite number"),
        ("-inf", "Column value, row 31 (counting after the header): -inf is not a finite number"),
        (
            "1e308",
            "Column value, row 31 (counting after the header): 1e+308 is too large for the "
            "model: it computes in float32, where values up to ±1e+30 are safe. Rescale",
        ),
    ],
)
def test_non_finite_and_overflowing_values_are_refused_by_cell(nab, tmp_path, value, message):
    rows = [f"{i},{v}" for i, v in enumerate(wave())]
    rows[30] = f"30,{value}"
    assert message in refused(nab, csv_file(tmp_path, rows))


def test_large_but_safe_values_are_analysed(nab, tmp_path):
    rows = [f"{i},{float(v) * 1e29:g}" for i, v in enumerate(wave())]
    _, summary = predict(nab, csv_file(tmp_path, rows))
    assert summary.startswith("Mean reconstruction error") and "inf" not in summary


# -- the series is a measurement, never an empty column or the row index --------------------------


@pytest.mark.parametrize(
    ("cells", "why"),
    [
        ("", "value holds no numbers"),
        ("n/a", "value holds no numbers"),
        ("high", "value holds no numbers"),
    ],
)
def test_an_empty_or_text_value_column_is_not_used(nab, tmp_path, cells, why):
    message = refused(nab, csv_file(tmp_path, [f"{i},{cells}" for i in range(40)]))
    assert message == (
        f"This CSV has no measurement column: step only counts rows (0, 1, 2...); "
        f"{why}. The model reads 1: add the column(s) with the values to analyse."
    )


def test_an_empty_column_beside_the_values_is_skipped(nab, tmp_path):
    rows = [f",{v}" for v in wave()]
    _, summary = predict(nab, csv_file(tmp_path, rows, header="empty,value"))
    assert summary.startswith("Mean reconstruction error") and "nan" not in summary


@pytest.mark.parametrize("header", ["step", "step,label", ",label"])
def test_a_csv_whose_only_numbers_count_rows_is_refused(nab, tmp_path, header):
    rows = [f"{i}" + (",a" if "," in header else "") for i in range(40)]
    message = refused(nab, csv_file(tmp_path, rows, header=header))
    assert message.startswith("This CSV has no measurement column: ")
    counter = "column 1 (no name)" if header.startswith(",") else "step"
    assert f"{counter} only counts rows (0, 1, 2...)" in message


def test_a_counter_beside_the_measurement_is_not_read(nab, tmp_path):
    values = wave()
    _, with_counter = predict(nab, csv_file(tmp_path, [f"{i},{v}" for i, v in enumerate(values)]))
    _, alone = predict(nab, csv_file(tmp_path, values, header="value"))
    assert with_counter == alone and with_counter.startswith("Mean reconstruction error")


# -- messages are plain: no pydantic, no server paths ------------------------------------------


@pytest.mark.parametrize("value", ["hello", 42, [1, 2], {"meta": {"_type": "gradio.FileData"}}])
def test_an_input_that_is_not_a_file_gets_a_plain_message(nab, value):
    assert refused(nab, value) == (
        "This input is not a file: upload a CSV file (.csv, .tsv or .txt)."
    )


def call_raw(app: RunningApp, value) -> str:
    """The error a payload gets, sent over Gradio's HTTP API (gradio_client checks files
    locally, and would refuse a vanished upload before sending it)."""
    event = httpx.post(
        f"{app.url}gradio_api/call/predict", json={"data": [value]}, timeout=30
    ).json()["event_id"]
    stream = httpx.get(f"{app.url}gradio_api/call/predict/{event}", timeout=60).text
    assert stream.startswith("event: error"), stream
    return json.loads(stream.split("data:", 1)[1])["error"]


def test_a_vanished_upload_is_named_without_the_servers_temporary_path(nab, tmp_path):
    content = "step,value\n" + "".join(f"{i},{v}\n" for i, v in enumerate(wave()))
    content += f"# {uuid.uuid4()}\n"  # Gradio stores uploads by content hash: one of our own
    upload = httpx.post(
        f"{nab.url}gradio_api/upload", timeout=30, files={"files": ("x.csv", content.encode())}
    ).json()[0]
    assert upload.endswith("/x.csv") and "gradio" in upload
    os.unlink(upload)  # the server's copy is gone (a cleaned cache) before the call
    message = call_raw(nab, {"path": upload, "meta": {"_type": "gradio.FileData"}})
    assert message == "x.csv could not be opened (No such file or directory): upload it again."
    assert nab.process.poll() is None
    assert answered(nab, nab.folder / "examples" / "series.csv").startswith("Mean reconstruction")
