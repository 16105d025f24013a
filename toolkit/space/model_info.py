"""The model a Space serves: where it comes from and what its inputs and outputs look like."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.errors import ManifestError, UsageError
from toolkit.hub import REPO_ID_RE
from toolkit.runs import RunRecord


@dataclass(frozen=True)
class TensorSpec:
    """One model input or output; ``shape`` has no batch axis, ``None`` for free sizes."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str


@dataclass(frozen=True)
class ModelSignature:
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]


@dataclass(frozen=True)
class ModelSource:
    """A local ``.keras`` file or a Hub repository, and where it was named."""

    path: Path | None = None
    repo_id: str = ""
    origin: str = ""  # "--model", or the run it comes from

    @property
    def app_value(self) -> str:
        """What the generated app expects in ``SPRINT_MODEL_PATH``."""
        return str(self.path) if self.path else f"hf://{self.repo_id}"


def resolve_model(model_arg: str | None, run: RunRecord | None) -> ModelSource | None:
    """The model given by ``--model`` (a path or a repo id), else the run's ``model.keras``."""
    if model_arg:
        path = Path(model_arg).expanduser()
        if path.is_file():
            return ModelSource(path=path.resolve(), origin="--model")
        repo_id = model_arg.removeprefix("hf://")
        if path.suffix == ".keras" or path.exists() or not REPO_ID_RE.match(repo_id):
            raise UsageError(
                f"--model {model_arg!r} is neither a .keras file nor a Hub repo id",
                where="the --model option",
                fix="pass the path of a saved model (e.g. runs/<id>/model.keras) or a repo id "
                "such as keras-io/mnist-convnet",
            )
        return ModelSource(repo_id=repo_id, origin="--model")
    if run is not None and run.model_path.is_file():
        return ModelSource(path=run.model_path.resolve(), origin=f"run {run.run_id}")
    return None


def inspect_model(
    path: Path, custom_objects: dict[str, Any] | None = None, *, submodel: str = ""
) -> ModelSignature:
    """Load the model as the Space will (``compile=False``, with the custom objects it ships)
    and read the signature of what it serves: the model, or its ``submodel`` attribute."""
    import keras

    try:
        model = keras.saving.load_model(path, compile=False, custom_objects=custom_objects)
    except Exception as exc:  # any load failure is the contributor's to fix
        raise UsageError(
            f"The model {path} cannot be loaded the way the Space loads it "
            f"({_first_sentence(exc)})",
            where=str(path),
            fix="save it with model.save('model.keras') from Keras 3; define custom layers at "
            "the top level of train.py (or in custom_objects.py, with a CUSTOM_OBJECTS dict), "
            "with a get_config() that returns their constructor arguments",
        ) from exc
    if submodel:
        part = getattr(model, submodel, None)
        if not isinstance(part, keras.Model):
            parts = sorted(
                name
                for name, value in vars(model).items()
                if isinstance(value, keras.Model) and not name.startswith("_")
            )
            raise ManifestError(
                f"[task] submodel {submodel!r} is not a model held by the saved "
                f"{type(model).__name__}",
                where="[task] submodel in the manifest",
                fix=f"use one of: {', '.join(parts)}"
                if parts
                else "leave it empty: the saved model holds no other model",
            )
        model = part
    return ModelSignature(_specs(model, "inputs"), _specs(model, "outputs"))


def _specs(model, attribute: str) -> tuple[TensorSpec, ...]:
    try:
        tensors = getattr(model, attribute) or []
    except (AttributeError, ValueError):  # subclassed models may not know their signature
        return ()
    return tuple(
        TensorSpec(t.name, tuple(t.shape[1:]), str(getattr(t.dtype, "name", t.dtype)))
        for t in tensors
    )


def _first_sentence(exc: Exception, limit: int = 240) -> str:
    """Keras' load errors embed the whole model config: keep their first sentence."""
    text = " ".join(str(exc).split())
    head = text.split(". ")[0]
    return head if len(head) <= limit else head[: limit - 1] + "…"
