"""`sprint new` and `sprint show`: the scaffold, its refusals and its backups."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.cli import main
from toolkit.manifest import Manifest

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "examples" / "waveform_classifier.py"


@pytest.fixture()
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "reproductions").mkdir()
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    return tmp_path


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_new_writes_manifest_script_and_readme(root: Path, capsys) -> None:
    assert main(["new", str(BUNDLED), "--slug", "waves"]) == 0
    folder = root / "reproductions" / "waves"
    assert sorted(p.name for p in folder.iterdir()) == [
        ".scaffold.json",
        "README.md",
        "reproduction.toml",
        "train.py",
    ]
    manifest = Manifest.load(folder)
    assert manifest.example.title == "Waveform classification with a 1D convnet"
    assert manifest.example.authors[0].name == "keras-sprint maintainers"
    assert manifest.example.date_created == "2026-11-25"
    assert manifest.run.epochs == 10 and manifest.run.batch_size == 64
    test_acc = next(m for m in manifest.metrics if m.split == "test" and m.name == "accuracy")
    assert test_acc.value == pytest.approx(0.96)
    assert test_acc.direction == "higher" and test_acc.tolerance == 0.01
    assert "96%" in test_acc.sentence and test_acc.reason
    assert manifest.source.sha256 and manifest.hub.repo_id == "keras-io/waves"
    out = capsys.readouterr().out
    assert "reported metrics:" in out and "Wrote" in out


def test_train_script_is_runnable_python_with_prose_as_comments(root: Path) -> None:
    assert main(["new", str(BUNDLED), "--slug", "waves"]) == 0
    script = (root / "reproductions" / "waves" / "train.py").read_text()
    compile(script, "train.py", "exec")  # valid Python
    assert "# ## Build the model" in script
    assert "# $ pip install -q keras" in script
    assert "model.fit(x_train, y_train" in script


def test_train_script_is_lint_clean_wherever_the_source_lives(root: Path, tmp_path: Path) -> None:
    # CI clones into a deeper folder than a laptop: the source path's length must not decide
    # whether the scaffold passes `sprint validate`'s lint item.
    deep = tmp_path.joinpath(*(["a_rather_long_folder_name"] * 6)) / "waveform_classifier.py"
    deep.parent.mkdir(parents=True)
    deep.write_bytes(BUNDLED.read_bytes())
    assert main(["new", str(deep), "--slug", "waves"]) == 0
    script = root / "reproductions" / "waves" / "train.py"
    assert str(deep) in script.read_text()  # the path is kept whole, on a line of its own
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run(
        [
            str(ruff),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "E,F,W",
            "--ignore",
            "E402",
            "--line-length",
            "100",
            str(script),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout


def test_new_refuses_existing_folder_without_force(root: Path, capsys) -> None:
    assert main(["new", str(BUNDLED), "--slug", "waves"]) == 0
    folder = root / "reproductions" / "waves"
    before = tree(folder)
    assert main(["new", str(BUNDLED), "--slug", "waves"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert tree(folder) == before


def test_force_backs_up_only_edited_files(root: Path) -> None:
    assert main(["new", str(BUNDLED), "--slug", "waves"]) == 0
    folder = root / "reproductions" / "waves"
    edited = (folder / "train.py").read_text() + "\n# my fix\n"
    (folder / "train.py").write_text(edited)
    assert main(["new", str(BUNDLED), "--slug", "waves", "--force"]) == 0
    backups = list((folder / ".backup").iterdir())
    assert len(backups) == 1
    assert [p.name for p in backups[0].iterdir()] == ["train.py"]
    assert (backups[0] / "train.py").read_text() == edited
    assert "# my fix" not in (folder / "train.py").read_text()


@pytest.mark.parametrize("slug", ["../escape", "a/b", "Bad Slug", "", "..", "name\n"])
def test_bad_slug_is_refused_and_writes_nothing(root: Path, slug: str, capsys) -> None:
    assert main(["new", str(BUNDLED), "--slug", slug]) == 2
    err = capsys.readouterr().err
    assert "not a valid reproduction name" in err and "How to fix" in err
    assert list((root / "reproductions").iterdir()) == []
    assert not (root / "escape").exists()


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02\xff\xfe binary", "Title: x\n".encode("utf-16")],
    ids=["empty", "binary", "not-utf8"],
)
def test_bad_input_exits_2_and_writes_nothing(
    root: Path, tmp_path: Path, content: bytes, capsys
) -> None:
    source = tmp_path / "bad_example.py"
    source.write_bytes(content)
    assert main(["new", str(source)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "How to fix" in err
    assert list((root / "reproductions").iterdir()) == []


def test_show_json_writes_nothing(root: Path, capsys) -> None:
    before = tree(root)
    assert main(["show", str(BUNDLED), "--json"]) == 0
    parsed = json.loads(capsys.readouterr().out)
    assert parsed["header"]["title"] == "Waveform classification with a 1D convnet"
    assert any(
        m["split"] == "validation" and m["value"] == pytest.approx(0.95) for m in parsed["metrics"]
    )
    assert tree(root) == before


def test_show_imports_no_deep_learning_framework() -> None:
    code = (
        "import sys; from toolkit.cli import main; "
        f"rc = main(['show', {str(BUNDLED)!r}]); "
        "heavy = [m for m in ('tensorflow', 'jax', 'torch', 'keras') if m in sys.modules]; "
        "print('HEAVY', heavy); sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in done.stdout


@pytest.mark.parametrize("slug", ["name\n", "name\r\n", "\nname", "na\nme"])
def test_a_slug_with_a_newline_is_refused(slug):
    from toolkit.errors import ManifestError
    from toolkit.manifest import validate_slug

    with pytest.raises(ManifestError, match="not a valid reproduction name"):
        validate_slug(slug)


def test_a_repo_id_with_a_final_newline_is_refused():
    from toolkit.hub import REPO_ID_RE

    assert REPO_ID_RE.match("keras-io/mnist") and not REPO_ID_RE.match("keras-io/mnist\n")


LEGACY = (Path(__file__).resolve().parent / "fixtures" / "examples") / "legacy_tf_keras.py"


def test_new_fixes_removed_apis_by_default_and_lists_each_fix(root: Path, capsys) -> None:
    assert main(["new", str(LEGACY), "--slug", "legacy"]) == 0
    out = capsys.readouterr().out
    folder = root / "reproductions" / "legacy"
    train = (folder / "train.py").read_text().split("\n")
    record = json.loads((folder / ".scaffold.json").read_text())
    fixes = record["fixes"]
    assert {f["rule"] for f in fixes} >= {"optimizer-lr", "numpy-alias", "generator-method"}
    for fix in fixes:
        assert set(fix) == {"file", "line", "source_line", "rule", "before", "after", "message"}
        assert fix["file"] == "train.py" and fix["after"] in train[fix["line"] - 1]
        assert f"train.py:{fix['line']}  [{fix['rule']}]" in out
    assert "Adam(learning_rate=" in "\n".join(train) and "Adam(lr=" not in "\n".join(train)
    readme = (folder / "README.md").read_text()
    assert "`lr` -> `learning_rate` (optimizer-lr)" in readme
    assert "`fit(workers=...)` was removed in Keras 3" in readme  # left for a person
    assert "`fit(workers=...)` was removed in Keras 3" in out


def test_no_fix_keeps_the_code_as_written_and_records_no_fix(root: Path, capsys) -> None:
    assert main(["new", str(LEGACY), "--slug", "legacy", "--no-fix"]) == 0
    out = capsys.readouterr().out
    folder = root / "reproductions" / "legacy"
    assert "Adam(lr=" in (folder / "train.py").read_text()
    assert json.loads((folder / ".scaffold.json").read_text())["fixes"] == []
    assert "kept as written (--no-fix)" in out and "finding" in out


def test_fix_flag_is_still_accepted_as_the_default(root: Path) -> None:
    assert main(["new", str(LEGACY), "--slug", "a", "--fix"]) == 0
    assert main(["new", str(LEGACY), "--slug", "b"]) == 0
    scripts = [(root / "reproductions" / s / "train.py").read_text() for s in ("a", "b")]
    assert scripts[0] == scripts[1]
