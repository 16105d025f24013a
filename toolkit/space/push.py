"""Publish a Space folder as a Gradio Space on the Hub, in one commit.

The Hub plumbing is :mod:`toolkit.hub`'s: the same token lookup (``HF_TOKEN`` or the login
cache, never printed), ``HF_ENDPOINT``, one retry loop with bounded backoff
(:func:`~toolkit.hub.hub_session`) and errors that teach, redacted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from toolkit.errors import HubError
from toolkit.manifest import record_hub_fields

SKIPPED_PARTS = ("__pycache__",)  # plus every hidden file or folder (.sprint-space.json, .gradio)


def space_files(folder: Path) -> dict[str, Path]:
    """The files a Space publishes: everything in ``folder`` but hidden files and caches."""
    files = {}
    for path in sorted(Path(folder).rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(
            part.startswith(".") or part in SKIPPED_PARTS for part in relative.parts
        ):
            files[relative.as_posix()] = path
    return files


def push_space(
    folder: Path,
    space_id: str,
    *,
    private: bool = False,
    message: str = "Update the Space with sprint space",
    log: Callable[[str], None] | None = None,
) -> str:
    """Create the Gradio Space ``space_id`` if needed and commit ``folder`` to it.

    Returns the commit id. Remote files the folder no longer has are deleted in the same
    commit. Raises :class:`HubError` for every failure.
    """
    from huggingface_hub import HfApi

    from toolkit import __version__
    from toolkit.card import hub_url
    from toolkit.hub import (
        HubContext,
        RetryPolicy,
        hub_session,
        require_token,
        token_source,
        validate_repo_id,
        with_retries,
    )

    validate_repo_id(space_id, where="--space-id or [hub] space_id")
    files = space_files(folder)
    if "app.py" not in files or "README.md" not in files:
        raise HubError(
            f"{folder} is not a generated Space (no app.py or README.md)",
            where=str(folder),
            fix="run `sprint space SLUG` first",
        )
    token = require_token(hub_url(), "the Space cannot be pushed")
    refuse_leaked_token(files, token)
    policy = RetryPolicy.from_env()
    ctx = HubContext(
        space_id,
        hub_url(),
        token_source(),
        policy,
        repo_type="space",
        command="sprint space SLUG --push",
    )
    api = HfApi(
        endpoint=ctx.endpoint, token=token, library_name="keras-sprint", library_version=__version__
    )
    with hub_session(policy, token, log) as say:
        del token  # only the client (and the redaction) hold it from here on

        def call(what: str, fn: Callable[[], Any]) -> Any:
            return with_retries(fn, what, ctx, time.sleep, say)

        ctx.identity = call("check the token", lambda: api.whoami(cache=False))
        call(
            "create the Space",
            lambda: api.create_repo(
                space_id, repo_type="space", space_sdk="gradio", private=private, exist_ok=True
            ),
        )
        remote = call(
            "list the Space's files", lambda: api.list_repo_files(space_id, repo_type="space")
        )
        info = call(
            "upload the files",
            lambda: api.create_commit(
                space_id,
                operations=operations(files, remote),
                commit_message=message,
                repo_type="space",
            ),
        )
    return info.oid


def operations(files: dict[str, Path], remote: list[str]) -> list[Any]:
    """Add every local file; delete remote ones the folder no longer has (hidden ones stay)."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    adds = [
        CommitOperationAdd(path_in_repo=name, path_or_fileobj=str(path))
        for name, path in files.items()
    ]
    gone = [
        CommitOperationDelete(path_in_repo=name)
        for name in remote
        if name not in files and not name.startswith(".")
    ]
    return adds + gone


def refuse_leaked_token(files: dict[str, Path], token: str) -> None:
    """Abort if a file about to be published (an edited app.py...) contains the token."""
    needle = token.encode("utf-8")
    for name, path in files.items():
        if needle in path.read_bytes():
            raise HubError(
                f"{name} contains your Hugging Face token; nothing was uploaded",
                where=str(path),
                fix="read the token from the environment instead (Space secrets), revoke it "
                "if it was ever shared, then push again",
            )


def record_space_push(repro_dir: Path, space_id: str, commit: str) -> Path:
    """Write the Space and its commit into ``[hub]`` of the manifest, keeping its comments."""
    return record_hub_fields(repro_dir, {"space_id": space_id, "space_commit": commit})
