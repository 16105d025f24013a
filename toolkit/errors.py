"""The toolkit's error hierarchy.

Every error a user can cause is a :class:`SprintError`: it says what happened, where,
and how to fix it, in one paragraph. The CLI prints it and exits with its ``exit_code``
(2: bad usage or input). Anything else escaping the toolkit is a bug.
"""

from __future__ import annotations


class SprintError(Exception):
    """A user-facing error: what went wrong, where, and how to fix it."""

    exit_code = 2

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [self.what.rstrip(".") + "."]
        if self.where:
            parts.append(f"Where: {self.where}.")
        if self.fix:
            parts.append(f"How to fix: {self.fix.rstrip('.')}.")
        return " ".join(parts)


class ExampleError(SprintError):
    """The example source cannot be read or parsed."""


class ManifestError(SprintError):
    """A reproduction manifest is missing, malformed or incomplete."""


class UsageError(SprintError):
    """The command line asked for something impossible (bad slug, missing folder...)."""


class DataError(SprintError):
    """A dataset could not be resolved from the local mirror."""


class RunError(SprintError):
    """A training run could not start or be found."""


class CheckError(SprintError):
    """A check could not be carried out (no run, metric missing...)."""


class HubError(SprintError):
    """A Hugging Face Hub operation failed."""

    exit_code = 1
