"""Requirements of a Space, pinned to the versions its reproduction was verified with."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from importlib import metadata

from toolkit.manifest import BACKENDS

# backend -> (distributions that may provide it here, requirement written for the Space)
_BACKEND_DISTS: dict[str, tuple[tuple[str, ...], str]] = {
    "tensorflow": (("tensorflow", "tensorflow-cpu"), "tensorflow"),
    "jax": (("jax",), "jax[cpu]"),
    "torch": (("torch",), "torch"),
}
# Families whose app needs more than gradio (which brings numpy, pandas, pillow) and keras.
_FAMILY_EXTRAS: dict[str, tuple[str, ...]] = {
    "time_series": ("matplotlib",),
    "policy": ("gymnasium", "matplotlib"),
}


@dataclass(frozen=True)
class Pins:
    """What the Space installs, and where each version came from."""

    backend: str
    requirements: list[str]
    gradio: str
    python: str
    source: str
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Verified:
    """The versions a run recorded (empty strings where it recorded none)."""

    label: str = ""  # e.g. "run 20250101-120000-s0"; "" when there is no run
    backend: str = ""
    keras: str = ""
    backend_version: str = ""
    python: str = ""

    @property
    def sentence(self) -> str:
        """``trained with Keras 3.x on jax 0.y (run ...)``, for the credits."""
        if not self.label:
            return "no checked run yet"
        backend = " ".join(filter(None, (self.backend, self.backend_version)))
        return (
            f"trained with Keras {self.keras or '(version not recorded)'}"
            + (f" on {backend}" if backend else "")
            + f" ({self.label})"
        )


def installed_version(*dists: str) -> str:
    """The installed version of the first of ``dists`` found, else ``""``."""
    for dist in dists:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return ""


def pick_backend(recorded: str, manifest_backend: str) -> str:
    """The run's backend, else the manifest's, else the first one installed here."""
    for backend in (recorded, manifest_backend):
        if backend in BACKENDS:
            return backend
    installed = (b for b in BACKENDS if installed_version(*_BACKEND_DISTS[b][0]))
    return next(installed, "tensorflow")


def pin_requirements(verified: Verified, manifest_backend: str, family: str) -> Pins:
    """Pins from what a run recorded; anything it did not record is pinned to what is installed.

    gradio is not a requirement: Spaces install it from ``sdk_version`` (the installed one).
    """
    backend = pick_backend(verified.backend, manifest_backend)
    dists, requirement = _BACKEND_DISTS[backend]
    recorded = {
        "keras": verified.keras,
        backend: verified.backend_version if verified.backend == backend else "",
        "python": verified.python,
    }
    installed = {
        "keras": installed_version("keras"),
        backend: installed_version(*dists),
        "python": platform.python_version(),
    }
    versions = {name: recorded[name] or installed[name] for name in recorded}
    notes = []
    if not verified.label:
        source = "the versions installed here (no complete run was found)"
    else:
        source = f"the versions {verified.label} recorded in its env.json"
        if missing := [name for name, value in recorded.items() if not value]:
            notes.append(
                f"{verified.label} recorded no {', '.join(missing)} version: "
                "pinned to the installed one"
            )
    wanted = [("keras", versions["keras"]), (requirement, versions[backend])]
    wanted += [(extra, installed_version(extra)) for extra in _FAMILY_EXTRAS.get(family, ())]
    lines = [f"{name}=={version}" if version else name for name, version in wanted]
    if unpinned := [name for name, version in wanted if not version]:
        notes.append(f"no version known for {', '.join(unpinned)}: left unpinned")
    python = ".".join(versions["python"].split(".")[:2])
    return Pins(backend, lines, installed_version("gradio"), python, source, notes)
