"""The toolkit's error hierarchy.

Every error a user can cause is a :class:`SprintError`: it says what happened, where,
and how to fix it, in one paragraph. The CLI prints it and exits with its ``exit_code``
(2: bad usage or input). Anything else escaping the toolkit is a bug.
"""

from __future__ import annotations

import errno


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


class FileSystemError(SprintError):
    """The operating system refused to read or write a file (permissions, space, a file
    where a folder should be)."""

    @classmethod
    def from_os_error(cls, exc: OSError) -> FileSystemError:
        """The error for ``exc``, naming the path and what usually fixes it."""
        path = exc.filename or "a file of the project"
        reason = exc.strerror or exc.__class__.__name__
        fix = _OS_FIXES.get(
            exc.errno or 0, "check the path and its parent folders, then run the command again"
        )
        return cls(
            f"The operating system refused an operation on {path} ({reason})",
            where=str(path),
            fix=fix,
        )


_OS_FIXES = {
    errno.EACCES: "make the folder writable for your user (for example `chmod u+w FOLDER`), "
    "or set SPRINT_ROOT to a project folder you can write",
    errno.EPERM: "make the folder writable for your user, or set SPRINT_ROOT to a project "
    "folder you can write",
    errno.EROFS: "the file system is mounted read-only: work in a writable copy of the "
    "project (set SPRINT_ROOT to it)",
    errno.ENOSPC: "free some disk space, then run the command again",
    errno.EDQUOT: "free some space within your disk quota, then run the command again",
    errno.ENOTDIR: "a file stands where a folder is expected: move it away",
    errno.EEXIST: "something already stands at that path (perhaps a file where a folder is "
    "expected): move it away",
    errno.EISDIR: "a folder stands where a file is expected: move it away",
}
