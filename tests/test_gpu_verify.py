"""The prepared GPU verification: scripts/gpu_verify.sh in its CPU mode, the archive it
packs, `sprint archive import` and the limits of the device call it is made for."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from harness_fixtures import child_pythonpath, isolated_env
from test_batch import tiny

from toolkit.cli import main
from toolkit.run_archive import ArchiveError, import_runs

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "gpu_verify.sh"
DEVICE_TREE_LIMIT = 64 * 2**20  # what one device call may carry: tree + carried paths
DEVICE_FILES_BACK = 8
CARRY_BUDGET = {".whl": 8 * 2**20, ".data": 24 * 2**20}  # wheels ~3 MB, shared data ~14 MB


@pytest.fixture(scope="module")
def cpu_mode(tmp_path_factory):
    """One run of the script's CPU mode over a tiny reproduction, as on the device."""
    root = tmp_path_factory.mktemp("gpu-verify")
    tiny(root, "tinyfit", seeds=2, loss_bound=50.0)
    out = root / "out"
    env = {
        **os.environ,
        "SPRINT_ROOT": str(root),
        "OUT": str(out),
        "SLUGS": "tinyfit",
        "SEEDS": "2",
        "JOBS": "2",
        "SHARED_DATA": str(root / "no-shared-data"),
        "SPRINT_DATA_DIR": str(root / "mirror"),
        "PYTHON": sys.executable,
        "PYTHONPATH": child_pythonpath(),
        "KERAS_HOME": str(root / "keras-home"),
    }
    env.pop("KERAS_BACKEND", None)
    done = subprocess.run(
        ["bash", str(SCRIPT), "cpu"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return root, out, done


def test_the_cpu_mode_runs_the_batch_and_packs_it(cpu_mode):
    root, out, done = cpu_mode
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "checks.tar.gz",
        "gpu-runs.tar.gz",
        "summary.json",
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["verdicts"] == {"tinyfit": "smoke"}
    assert [j["state"] for j in summary["jobs"]] == ["complete", "complete"]
    with tarfile.open(out / "gpu-runs.tar.gz") as tar:
        names = tar.getnames()
    assert "sprint-runs/SHA256SUMS" in names and "sprint-runs/summary.json" in names
    assert not [n for n in names if n.endswith(".keras") or "/logs/" in n]  # no weights


def fresh_checkout(root: Path, target: Path) -> Path:
    """The reproductions of ``root`` without their runs: where the archive comes back."""
    shutil.copytree(
        root / "reproductions", target / "reproductions", ignore=shutil.ignore_patterns("runs")
    )
    return target


def test_import_verifies_and_moves_every_run(cpu_mode, tmp_path, capsys):
    root, out, _ = cpu_mode
    checkout = fresh_checkout(root, tmp_path)
    with isolated_env(checkout):
        assert main(["archive", "import", str(out / "gpu-runs.tar.gz")]) == 0
        assert main(["archive", "import", str(out / "gpu-runs.tar.gz")]) == 1  # exist now
    runs = sorted((checkout / "reproductions" / "tinyfit" / "runs").iterdir())
    assert len(runs) == 2 and all((r / "metrics.json").is_file() for r in runs)
    assert "already" in capsys.readouterr().out


def test_runs_of_another_train_py_are_refused(cpu_mode, tmp_path):
    root, out, _ = cpu_mode
    checkout = fresh_checkout(root, tmp_path)
    script = checkout / "reproductions" / "tinyfit" / "train.py"
    script.write_text(script.read_text() + "\n# changed after the runs\n")
    imported, refused = import_runs(out / "gpu-runs.tar.gz", checkout)
    assert imported == [] and len(refused) == 2
    assert all("trained another train.py" in r.reason for r in refused)
    assert not (checkout / "reproductions" / "tinyfit" / "runs").exists()


def rewrite(archive: Path, target: Path, change) -> Path:
    """A copy of ``archive`` with ``change(name, data) -> data`` applied to each member."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else b""
            data = change(member.name, data)
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return target


def test_an_altered_archive_imports_nothing(cpu_mode, tmp_path):
    root, out, _ = cpu_mode
    checkout = fresh_checkout(root, tmp_path / "checkout")
    altered = rewrite(
        out / "gpu-runs.tar.gz",
        tmp_path / "altered.tar.gz",
        lambda name, data: (
            data.replace(b'"complete"', b'"completE"') if name.endswith("run.json") else data
        ),
    )
    with pytest.raises(ArchiveError, match="does not match its SHA256SUMS"):
        import_runs(altered, checkout)
    assert not (checkout / "reproductions" / "tinyfit" / "runs").exists()


def test_a_member_outside_a_run_folder_is_refused(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("sprint-runs/../../etc/passwd")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ArchiveError, match="not a file of a run folder"):
        import_runs(archive, tmp_path)


def device_tree_bytes() -> int:
    """What a device call sends without its carry: tracked and untracked-not-ignored files."""
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout
    return sum(
        (REPO / p).stat().st_size for p in listed.decode().split("\0") if p and (REPO / p).is_file()
    )


def test_the_device_call_fits_what_it_may_carry_and_bring_back():
    text = SCRIPT.read_text(encoding="utf-8")
    assert 'carry=[".whl", ".data"]' in text
    budget = device_tree_bytes() + sum(CARRY_BUDGET.values())
    assert budget < DEVICE_TREE_LIMIT, f"{budget / 2**20:.1f} MiB would travel"
    for path, limit in CARRY_BUDGET.items():  # when prepared here, the real sizes
        folder = REPO / path
        if folder.is_dir():
            size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            assert size <= limit, f"{path} is {size / 2**20:.1f} MiB"
    outputs = set(re.findall(r'"\$OUT/([\w.-]+)"', text))
    assert outputs == {
        "gpu-runs.tar.gz",
        "summary.json",
        "checks.tar.gz",
        "gpu.txt",
        "overhead.json",
    }
    assert len(outputs) <= DEVICE_FILES_BACK


def test_the_overhead_mode_times_sprint_run_against_the_plain_script(cpu_mode):
    root, _, _ = cpu_mode
    out = root / "overhead-out"
    env = {
        **os.environ,
        "SPRINT_ROOT": str(root),
        "OUT": str(out),
        "PAIRS": "1",
        "OVERHEAD_SLUG": "tinyfit",
        "SHARED_DATA": str(root / "no-shared-data"),
        "SPRINT_DATA_DIR": str(root / "mirror"),
        "PYTHON": sys.executable,
        "PYTHONPATH": child_pythonpath(),
        "KERAS_HOME": str(root / "keras-home"),
    }
    done = subprocess.run(
        ["bash", str(SCRIPT), "cpu-overhead"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((out / "overhead.json").read_text())
    assert result["slug"] == "tinyfit" and len(result["ratio"]) == 1
    assert result["sprint_run_s"][0] > 0 and result["plain_s"][0] > 0
    assert "sprint run / plain train.py" in done.stdout


def test_a_copy_without_git_records_the_commit_it_came_from(tmp_path, monkeypatch):
    from toolkit.harness.envinfo import git_info

    monkeypatch.setenv("SPRINT_GIT_COMMIT", "a" * 40)
    monkeypatch.setenv("SPRINT_GIT_DIRTY", "false")
    assert git_info(tmp_path) == {
        "git_commit": "a" * 40,
        "git_dirty": False,
        "git_source": "SPRINT_GIT_COMMIT",
    }
