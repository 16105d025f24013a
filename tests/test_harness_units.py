"""The harness' parts that need no training process: planning, logs, plots, metrics, events."""

from __future__ import annotations

import io
import json
import math
import struct

import pytest
from harness_fixtures import isolated_env, make_reproduction

from toolkit.cli import main as sprint
from toolkit.errors import DataError, RunError, UsageError
from toolkit.harness.curves import fit_segments, metric_names, plot_curves, plot_run
from toolkit.harness.curves import main as replot
from toolkit.harness.logstream import LogTee, clean_line
from toolkit.harness.metrics import build_metrics, final_splits, finite_or_none, history_columns
from toolkit.harness.runner import RunOptions, choose_backend, plan_run
from toolkit.harness.tbwriter import EventWriter, crc32c


@pytest.fixture
def env(tmp_path):
    with isolated_env(tmp_path) as patch:
        yield patch


# -- backend and plan ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("declared", "requested", "script", "env_backend", "expected"),
    [
        ("any", "jax", "", "", "jax"),
        ("tensorflow", None, 'os.environ["KERAS_BACKEND"] = "jax"', "", "tensorflow"),
        ("any", None, 'os.environ["KERAS_BACKEND"] = "jax"', "torch", "jax"),
        ("any", None, "os.environ.setdefault('KERAS_BACKEND', 'torch')", "", "torch"),
        ("any", None, "import keras", "jax", "jax"),
        ("any", None, "import keras", "", "tensorflow"),
    ],
)
def test_choose_backend(monkeypatch, declared, requested, script, env_backend, expected):
    monkeypatch.setenv("KERAS_BACKEND", env_backend)
    assert choose_backend(declared, requested, script) == expected


def test_a_pinned_backend_refuses_another(monkeypatch):
    with pytest.raises(UsageError, match="runs on tensorflow only") as info:
        choose_backend("tensorflow", "jax", "")
    assert 'backend = "any"' in info.value.message


def test_plan_defaults_come_from_the_manifest(env, tmp_path):
    folder = make_reproduction(tmp_path, "planned", "print(1)", seeds=3, epochs=4, smoke_steps=7)
    plan = plan_run(folder, RunOptions(backend="jax", seed=10))
    assert plan.seeds == [10, 11, 12] and plan.epochs == 4 and plan.smoke_steps is None
    smoke = plan_run(folder, RunOptions(backend="jax", smoke=True))
    assert smoke.seeds == [0] and smoke.smoke_steps == 7
    assert plan_run(folder, RunOptions(backend="jax", epochs=1, seeds=2)).seeds == [0, 1]
    assert not plan.mirror.configured and plan.network  # no mirror: downloads allowed


def test_plan_rejects_bad_input(env, tmp_path):
    folder = make_reproduction(tmp_path, "bad", "print(1)")
    with pytest.raises(UsageError, match="--epochs must be at least 1"):
        plan_run(folder, RunOptions(backend="jax", epochs=0))
    with pytest.raises(DataError, match="does not exist"):
        plan_run(folder, RunOptions(backend="jax", data_dir=str(tmp_path / "nowhere")))
    (folder / "train.py").unlink()
    with pytest.raises(RunError, match="train.py does not exist"):
        plan_run(folder, RunOptions(backend="jax"))


def test_cli_bad_input_exits_2_without_a_run(env, tmp_path, capsys):
    folder = make_reproduction(tmp_path, "pinned", "print(1)", backend="tensorflow")
    assert sprint(["run", "no_such_slug"]) == 2
    assert "No reproduction named 'no_such_slug'" in capsys.readouterr().err
    assert sprint(["run", "pinned", "--backend", "jax"]) == 2
    assert sprint(["run", "pinned", "--seeds", "0"]) == 2
    assert not (folder / "runs").exists()


def test_help_has_examples(capsys):
    assert sprint(["run", "--help"]) == 0
    assert "sprint run mnist_convnet --smoke" in capsys.readouterr().out


# -- train.log -----------------------------------------------------------------------
def test_clean_line_renders_a_keras_progress_bar():
    redraw = "\b" * 40 + "\r"
    raw = (
        "\x1b[1m1/5\x1b[0m \x1b[32m━━\x1b[0m - loss: 0.9"
        + redraw
        + "\x1b[1m5/5\x1b[0m \x1b[32m━━━━━\x1b[0m - loss: 0.5   "
    )
    assert clean_line(raw) == "5/5 ━━━━━ - loss: 0.5"
    assert clean_line("abc\rxy") == "xyc"  # what a terminal shows


def test_log_tee_echoes_bytes_and_logs_lines():
    log, echo = io.StringIO(), io.BytesIO()
    tee = LogTee(log, echo)
    data = "Epoch 1/2\r\nd\u00e9j\u00e0 vu\n1/3 ...\b\b\b\r3/3 done\nno newline".encode()
    for i in range(len(data)):  # byte by byte: UTF-8 split across chunks
        tee.feed(data[i : i + 1])
    tee.note("finished")
    tee.close()
    assert echo.getvalue().startswith(data)
    assert log.getvalue().splitlines() == [
        "Epoch 1/2",
        "d\u00e9j\u00e0 vu",
        "3/3 done",
        "[sprint] finished",
        "no newline",
    ]
    assert tee.tail[-1] == "no newline"


def test_log_tee_keeps_memory_bounded_for_a_long_redrawn_line():
    log = io.StringIO()
    tee = LogTee(log)
    for step in range(5000):
        tee.feed(f"\b\b\b\b\b\b\b\b\b\b\r{step:>6}/5000".encode())
    assert len(tee._pending) < 10_000
    tee.close()
    assert log.getvalue().strip() == "4999/5000"


# -- metrics.json ---------------------------------------------------------------------
EPOCHS = [
    {"loss": 1.0, "accuracy": 0.5, "val_loss": 1.1, "val_accuracy": 0.4},
    {"loss": 0.8, "accuracy": 0.6},  # validation_freq=2 skipped this one
    {"loss": float("nan"), "accuracy": 0.7, "learning_rate": 0.001},
]


def test_history_columns_align_epochs():
    history = history_columns(EPOCHS)
    assert history["loss"] == [1.0, 0.8, None]  # NaN is not JSON
    assert history["val_loss"] == [1.1, None, None]
    assert history["learning_rate"] == [None, None, 0.001]


def test_final_splits():
    final = final_splits(EPOCHS, [{"loss": 0.3, "accuracy": 0.9}, {"loss": 0.2, "accuracy": 1}])
    assert final["train"] == {"loss": None, "accuracy": 0.7, "learning_rate": 0.001}
    assert final["validation"] == {"loss": 1.1, "accuracy": 0.4}  # the last epoch that had it
    assert final["test"] == {"loss": 0.2, "accuracy": 1}
    assert final_splits([], []) == {}


def test_build_metrics_layout():
    capture = {"epochs": EPOCHS[:1], "evaluations": [], "steps": [4], "fits": [{"epochs": 1}]}
    metrics = build_metrics(capture, smoke=True)
    assert set(metrics) >= {"final", "history", "evaluations", "epochs"}
    assert metrics["epochs"] == 1 and metrics["steps_per_epoch"] == [4] and metrics["smoke"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        (True, 1),
        (0.5, 0.5),
        ("0.25", 0.25),
        (math.inf, None),
        ("x", None),
        (None, None),
    ],
)
def test_finite_or_none(value, expected):
    assert finite_or_none(value) == expected


# -- curves.png ----------------------------------------------------------------------
def test_plot_curves(tmp_path):
    assert metric_names({"accuracy": [], "val_loss": [], "loss": []}) == ["loss", "accuracy"]
    assert plot_curves({}, tmp_path / "none.png") is False
    assert not (tmp_path / "none.png").exists()
    history = history_columns(EPOCHS)
    assert plot_curves(history, tmp_path / "curves.png", title="t") is True
    data = (tmp_path / "curves.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, _ = struct.unpack(">II", data[16:24])
    assert width == 3 * 420  # three panels: loss, accuracy, learning_rate


TWO_FITS = [{"model": "teacher", "epochs_run": 2}, {"model": "student", "epochs_run": 1}]


def test_each_fit_call_gets_its_own_segment_of_the_epochs():
    assert fit_segments(TWO_FITS, 3) == [("1. teacher", 0, 2), ("2. student", 2, 3)]
    assert fit_segments(TWO_FITS[:1], 2) == [("", 0, 2)]  # one fit() call: one plain line
    assert fit_segments(None, 3) == [("", 0, 3)]
    assert fit_segments(TWO_FITS, 4) == [("", 0, 4)]  # counts that do not add up
    skipped = [{"model": "a", "epochs_run": 0}, {"model": "b", "epochs_run": 3}]
    assert fit_segments(skipped, 3) == [("2. b", 0, 3)]


def test_plot_run_redraws_what_the_run_drew(tmp_path):
    history = history_columns(EPOCHS)
    drawn = tmp_path / "drawn.png"
    assert plot_curves(history, drawn, title="demo - r1", fits=TWO_FITS)
    assert drawn.read_bytes() != plot_bytes(tmp_path, history, fits=None)  # split lines
    run_dir = tmp_path / "reproductions" / "demo" / "runs" / "r1"
    run_dir.mkdir(parents=True)
    (run_dir / "metrics.json").write_text(json.dumps({"history": history, "fits": TWO_FITS}))
    assert replot([str(run_dir)]) == 0
    assert (run_dir / "curves.png").read_bytes() == drawn.read_bytes()
    assert plot_run(run_dir) is True


def test_replot_refuses_a_folder_without_metrics(tmp_path, capsys):
    assert replot([str(tmp_path)]) == 2
    assert "no metrics.json" in capsys.readouterr().err
    assert not (tmp_path / "curves.png").exists()


def plot_bytes(tmp_path, history, fits) -> bytes:
    path = tmp_path / "plain.png"
    plot_curves(history, path, title="demo - r1", fits=fits)
    return path.read_bytes()


# -- TensorBoard events ----------------------------------------------------------------
def test_crc32c_known_vector():
    assert crc32c(b"123456789") == 0xE3069283


def test_event_file_framing(tmp_path):
    writer = EventWriter(tmp_path / "train")
    writer.scalars(3, {"epoch_loss": 0.5, "epoch_note": "not a number"})
    writer.close()
    data = writer.path.read_bytes()
    records = []
    while data:
        (length,) = struct.unpack("<Q", data[:8])
        payload = data[12 : 12 + length]
        records.append(payload)
        data = data[12 + length + 4 :]
    assert len(records) == 2 and b"brain.Event:2" in records[0]
    assert b"epoch_loss" in records[1] and b"epoch_note" not in records[1]
    assert struct.pack("<f", 0.5) in records[1]


def test_train_log_is_capped_keeping_its_head_and_its_tail():
    import io

    from toolkit.harness.logstream import LogTee

    log = io.StringIO()
    tee = LogTee(log, head_bytes=100, tail_bytes=50)
    for i in range(1000):
        tee.feed(f"line {i:04d}\n".encode())
    tee.note("complete")
    tee.close()
    lines = log.getvalue().splitlines()
    assert lines[0] == "line 0000" and lines[-1] == "[sprint] complete"
    marker = next(line for line in lines if "capped" in line)
    assert marker.startswith(f"[sprint] train.log capped: {tee.cut_bytes} bytes")
    assert len(log.getvalue()) < 100 + 50 + len(marker) + 2
    assert "line 0999" in lines  # the end of the output survives
    assert tee.tail[-1] == "line 0999"  # error reasons still see the last lines
