"""The audit of a set's provenance, and the verdict level it earns: editing train.py after
the runs makes them stale, moving a target after the runs is reported with both values."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from check_fixtures import accuracy_metric, write_reproduction, write_set

from toolkit.audit import audit_runs, verdict_level
from toolkit.manifest import Manifest
from toolkit.provenance import provenance
from toolkit.runs import latest_set


def stamp_provenance(repro: Path, *, dirty: bool = False, commit: str = "c" * 40) -> None:
    """Give every run the provenance of today's files (as a run made now would record)."""
    record = provenance(repro, Manifest.load(repro))
    for env_path in (repro / "runs").glob("*/env.json"):
        env = json.loads(env_path.read_text())
        env |= record | {"git_commit": commit, "git_dirty": dirty}
        env_path.write_text(json.dumps(env))


def repro_with_set(tmp_path: Path, **stamp) -> Path:
    repro = write_reproduction(tmp_path)
    (repro / "train.py").write_text("print('train')\n")
    write_set(repro, "g1", [0.99, 0.991, 0.989])
    stamp_provenance(repro, **stamp)
    return repro


def audit(repro: Path):
    return audit_runs(repro, Manifest.load(repro), latest_set(repro))


def test_runs_of_todays_code_and_targets_from_a_clean_commit_are_verified(tmp_path):
    found = audit(repro_with_set(tmp_path))
    assert not (found.stale or found.moved_targets or found.unrecorded or found.dirty)
    assert verdict_level("pass", found, complete_seeds=3, seeds_required=3) == ("verified", [])


def test_editing_train_py_after_the_runs_makes_them_stale(tmp_path):
    repro = repro_with_set(tmp_path)
    (repro / "train.py").write_text("print('train, tuned')\n")
    found = audit(repro)
    assert len(found.stale) == 3 and all("train.py changed" in s for s in found.stale)


def test_moving_a_tolerance_after_the_runs_is_reported_with_both_values(tmp_path):
    repro = repro_with_set(tmp_path)
    manifest = Manifest.load(repro)
    manifest.metrics = [dataclasses.replace(accuracy_metric(), tolerance=0.05)]
    manifest.save(repro)
    found = audit(repro)
    assert found.moved_targets == [
        "test accuracy changed after the runs: was 0.99 >= with tolerance 0.01, "
        "now 0.99 >= with tolerance 0.05"
    ]
    level, missing = verdict_level("pass", found, complete_seeds=3, seeds_required=3)
    assert level == "pass" and "targets changed after the runs" in missing


def test_what_a_pass_lacks_is_named(tmp_path):
    repro = write_reproduction(tmp_path)
    (repro / "train.py").write_text("print('train')\n")
    write_set(repro, "g1", [0.99, 0.991])
    found = audit(repro)  # fixture runs recorded no hashes and no commit
    level, missing = verdict_level("pass", found, complete_seeds=2, seeds_required=3)
    assert level == "pass"
    assert missing[0] == "2 of 3 seeds complete"
    assert any("recorded no hash" in m for m in missing)
    assert any("uncommitted" in m for m in missing)


def test_a_set_from_a_dirty_tree_is_not_verified(tmp_path):
    found = audit(repro_with_set(tmp_path, dirty=True))
    assert verdict_level("pass", found, complete_seeds=3, seeds_required=3)[0] == "pass"


def test_clean_runs_of_the_same_code_from_several_commits_are_verified(tmp_path):
    """Others commit while a set runs: each seed records another HEAD, the same code."""
    repro = repro_with_set(tmp_path)
    for index, env_path in enumerate(sorted((repro / "runs").glob("*/env.json"))):
        env = json.loads(env_path.read_text())
        env_path.write_text(json.dumps(env | {"git_commit": str(index) * 40}))
    found = audit(repro)
    assert len(found.commits) == 3 and found.differing == []
    assert verdict_level("pass", found, complete_seeds=3, seeds_required=3) == ("verified", [])


def test_runs_of_a_set_made_under_other_targets_are_not_verified(tmp_path):
    repro = repro_with_set(tmp_path)
    last = sorted((repro / "runs").glob("*/env.json"))[-1]
    last.write_text(json.dumps(json.loads(last.read_text()) | {"targets_sha256": "0" * 64}))
    found = audit(repro)
    level, missing = verdict_level("pass", found, complete_seeds=3, seeds_required=3)
    assert found.differing == ["g1-s2"] and level == "pass"
    assert "1 run(s) of the set recorded other code or targets than its first run" in missing


def test_fail_and_cannot_check_are_levels_of_their_own(tmp_path):
    found = audit(repro_with_set(tmp_path))
    assert verdict_level("fail", found, complete_seeds=3, seeds_required=3) == ("fail", [])
    assert verdict_level("error", None, complete_seeds=0, seeds_required=3)[0] == "cannot check"


# -- through the checker -------------------------------------------------------------------


def test_the_check_does_not_judge_stale_runs(tmp_path):
    from toolkit.check import check_reproduction

    repro = repro_with_set(tmp_path)
    assert check_reproduction(repro).level == "verified"
    (repro / "train.py").write_text("print('train, tuned after the runs')\n")
    report = check_reproduction(repro)
    assert report.verdict == "error" and report.level == "cannot check"
    assert report.error.startswith("Stale: the code changed since set g1 ran")
    assert report.results == []


def test_the_check_says_loudly_that_targets_moved(tmp_path):
    from toolkit.check import check_reproduction

    repro = repro_with_set(tmp_path)
    manifest = Manifest.load(repro)
    manifest.metrics = [dataclasses.replace(accuracy_metric(), value=0.985)]
    manifest.save(repro)
    report = check_reproduction(repro)
    assert report.warnings[0].startswith(
        "TARGETS CHANGED AFTER THE RUNS: test accuracy changed after the runs: was 0.99"
    )
    assert report.level == "pass" and "targets changed after the runs" in report.level_missing


def test_the_non_inferiority_rule_needs_a_decisive_test(tmp_path):
    from toolkit.check import check_reproduction

    metric = dataclasses.replace(accuracy_metric(), rule="non-inferiority", alpha=0.05)
    tight = write_reproduction(tmp_path / "tight", metrics=[metric])
    write_set(tight, "g1", [0.99, 0.991, 0.989])
    result = check_reproduction(tight).results[0]
    assert result.verdict == "pass" and result.p_value < 0.05 and result.decisive
    # The mean clears the bound (0.98), but the spread leaves the test undecided.
    noisy = write_reproduction(tmp_path / "noisy", metrics=[metric])
    write_set(noisy, "g1", [0.999, 0.962, 0.99])
    result = check_reproduction(noisy).results[0]
    assert result.mean > 0.98 and result.verdict == "fail"
    assert "non-inferiority p = " in result.explanation and result.seeds_for_decision > 3


def _git(folder: Path, *args: str) -> str:
    import subprocess

    done = subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_runs_from_before_code_hashes_are_audited_through_their_clean_commit(tmp_path):
    """Old runs recorded only a commit: the train.py of that commit decides if they are stale."""
    repro = write_reproduction(tmp_path)
    (repro / "train.py").write_text("print('train')\n")
    write_set(repro, "g1", [0.99, 0.991, 0.989])
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "runs")
    commit = _git(tmp_path, "rev-parse", "HEAD")
    for env_path in (repro / "runs").glob("*/env.json"):
        env = json.loads(env_path.read_text())
        env_path.write_text(json.dumps(env | {"git_commit": commit, "git_dirty": False}))
    unchanged = audit(repro)
    assert unchanged.stale == [] and len(unchanged.unrecorded) == 3
    (repro / "train.py").write_text("print('train, teacher unfrozen')\n")
    changed = audit(repro)
    assert len(changed.stale) == 3
    assert f"the clean commit {commit[:8]} it ran from holds another train.py" in changed.stale[0]
