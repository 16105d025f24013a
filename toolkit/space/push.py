"""Publish a Space folder as a Gradio Space on the Hub, in one commit."""

from __future__ import annotations

from pathlib import Path

from toolkit.errors import HubError

SKIPPED_PARTS = ("__pycache__",)  # plus every hidden file or folder (.sprint-space.json, .gradio)


def space_files(folder: Path) -> dict[str, Path]:
    """The files a Space publishes: everything in ``folder`` but hidden files and caches."""
    files = {}
    for path in sorted(Path(folder).rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(
                part.startswith(".") or part in SKIPPED_PARTS for part in relative.parts):
            files[relative.as_posix()] = path
    return files


def push_space(folder: Path, space_id: str, *, private: bool = False,
               message: str = "Update the Space with sprint space") -> str:
    """Create the Space repository if needed and commit ``folder`` to it; the commit id.

    Remote files the folder no longer has are deleted in the same commit. The token comes
    from ``HF_TOKEN`` or the login cache, as ``huggingface_hub`` finds it.
    """
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi
    from huggingface_hub.errors import HfHubHTTPError

    files = space_files(folder)
    if "app.py" not in files or "README.md" not in files:
        raise HubError(f"{folder} is not a generated Space (no app.py or README.md)",
                       where=str(folder), fix="run `sprint space SLUG` first")
    api = HfApi()
    try:
        api.create_repo(space_id, repo_type="space", space_sdk="gradio", private=private,
                        exist_ok=True)
        remote = api.list_repo_files(space_id, repo_type="space")
        operations = [CommitOperationAdd(name, str(path)) for name, path in files.items()]
        operations += [CommitOperationDelete(name) for name in remote
                       if name not in files and not name.startswith(".")]
        commit = api.create_commit(space_id, operations, commit_message=message,
                                   repo_type="space")
    except HfHubHTTPError as exc:
        raise hub_error(exc, space_id) from exc
    return commit.oid


def hub_error(exc: Exception, space_id: str) -> HubError:
    """A Hub failure as a :class:`HubError` that says what to do (never quoting the token)."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    fixes = {
        401: "log in with `hf auth login` or set HF_TOKEN to a token with write access",
        403: f"use a token allowed to write to {space_id.split('/')[0]}, or another namespace",
        404: "check the space id (owner/name) and HF_ENDPOINT",
        409: "someone pushed at the same time: run the command again",
    }
    fix = fixes.get(status, "check your connection and HF_ENDPOINT, then run it again")
    return HubError(f"The Hub refused the Space push ({status or type(exc).__name__})",
                    where=space_id, fix=fix)
