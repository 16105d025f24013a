"""What the parent tells the child: one JSON file, written before the child starts."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from toolkit.fsutil import atomic_write_json


@dataclass(frozen=True)
class ChildConfig:
    """Everything the child needs to run one seed of one reproduction."""

    script: str  # absolute path of train.py
    run_dir: str  # the run folder (logs/, model.keras)
    result_path: str  # where the child writes its captures (JSON)
    seed: int = 0
    epochs: int | None = None  # epochs per fit() call; None keeps the script's
    smoke_steps: int | None = None  # set in smoke mode: batches per epoch/evaluation
    smoke_budget: float | None = None  # set in smoke mode: seconds for the whole script
    mirror_root: str | None = None
    mirror_explicit: bool = False
    network: bool = True  # may a URL missing from the mirror be downloaded?
    save_model: bool = True

    def write(self, path: Path) -> None:
        atomic_write_json(path, asdict(self))

    @classmethod
    def read(cls, path: Path) -> ChildConfig:
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))
