"""Generate the Gradio Space of a reproduction in spaces/<slug>/, and push or serve it.

Writes app.py (a self-contained Gradio 6 app for the manifest's [task] kind),
space_config.json (input shape, scaling, class names...), requirements.txt (pinned to
the versions the served run was trained with), README.md (the Space's front matter,
description and credits, as on the model card) and a few small synthetic examples.
The app loads the model from the manifest's Hub repo, or from SPRINT_MODEL_PATH (a
.keras file) so it also runs offline. Files you edited since they were generated are
kept unless --force.

examples:
  sprint space mnist_convnet                         generate spaces/mnist_convnet/
  sprint space mnist_convnet --serve                 ... and run it on http://127.0.0.1:7860
  sprint space mnist_convnet --model runs/x/model.keras --serve --port 8000
  sprint space mnist_convnet --push                  ... and publish it (token: HF_TOKEN or login)

exit codes: 0 done, 1 the Hub push failed, 2 bad input (manifest, model, options)
"""

from __future__ import annotations

import argparse
import json
import sys

from toolkit.errors import UsageError
from toolkit.project import project_root, reproduction_path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slug", metavar="SLUG", help="the reproduction to demo")
    parser.add_argument(
        "--model",
        metavar="PATH_OR_REPO",
        help="a .keras file or a Hub repo id (default: the run the card publishes)",
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite generated files even where you edited them"
    )
    parser.add_argument(
        "--push", action="store_true", help="create or update the Space on the Hub, in one commit"
    )
    parser.add_argument(
        "--space-id",
        metavar="OWNER/NAME",
        help="the Space to push to (default: [hub] space_id, else the model "
        "repo's owner with the slug as name)",
    )
    parser.add_argument("--private", action="store_true", help="create the Space as private")
    parser.add_argument("--serve", action="store_true", help="run the app locally afterwards")
    parser.add_argument("--port", type=int, default=7860, help="port for --serve (default 7860)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from toolkit.space import plan_space, write_space

    root = project_root()
    repro_dir = reproduction_path(args.slug, root)
    plan = plan_space(repro_dir, root, model=args.model)
    written = write_space(plan, force=args.force)
    summary = {
        "folder": str(plan.folder),
        "family": plan.family,
        "model_repo": plan.repo_id,
        "model": plan.model.app_value if plan.model else None,
        "model_origin": plan.model.origin if plan.model else "the manifest's [hub] repo_id",
        "requirements": plan.pins.requirements,
        "pinned_from": plan.pins.source,
        "written": written.written,
        "unchanged": written.unchanged,
        "kept": written.kept,
        "removed": written.removed,
        "warnings": plan.warnings,
    }
    if args.push:
        summary["space_id"], summary["space_commit"] = push(plan, repro_dir, args)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print_summary(summary)
    if args.serve:
        return serve(plan, args.port)
    return 0


def print_summary(summary: dict) -> None:
    from toolkit.space import FAMILIES

    print(
        f"Space written to {summary['folder']} ({summary['family']}: {FAMILIES[summary['family']]})"
    )
    print(
        f"  model: {summary['model'] or 'hf://' + summary['model_repo']} "
        f"(from {summary['model_origin']})"
    )
    print(
        f"  requirements: {', '.join(summary['requirements'])}; pinned to {summary['pinned_from']}"
    )
    for key in ("written", "unchanged", "removed"):
        if summary[key]:
            print(f"  {key}: {', '.join(summary[key])}")
    if summary["kept"]:
        print(
            f"  kept (edited by hand; --force regenerates them): {', '.join(summary['kept'])}",
            file=sys.stderr,
        )
    for warning in summary["warnings"]:
        print(f"  warning: {warning}", file=sys.stderr)
    if "space_commit" in summary:
        print(f"  pushed to the Space {summary['space_id']} (commit {summary['space_commit']})")


def push(plan, repro_dir, args: argparse.Namespace) -> tuple[str, str]:
    """Push the Space and record its id and commit in the manifest."""
    from toolkit.manifest import Manifest
    from toolkit.space.push import push_space, record_space_push

    manifest = Manifest.load(repro_dir)
    owner = plan.repo_id.split("/")[0] if plan.repo_id else ""
    space_id = args.space_id or manifest.hub.space_id or (f"{owner}/{plan.slug}" if owner else "")
    if not space_id:
        raise UsageError(
            "No Space id to push to",
            where="--space-id / [hub] space_id",
            fix="pass --space-id OWNER/NAME or push the model first (`sprint push`)",
        )
    commit = push_space(
        plan.folder,
        space_id,
        private=args.private,
        message=f"Space for the keras-sprint reproduction {plan.slug}",
    )
    record_space_push(repro_dir, space_id, commit)
    return space_id, commit


def serve(plan, port: int) -> int:
    """Run the app in the foreground until it stops, Ctrl-C or SIGTERM (which stop it too)."""
    import signal

    from toolkit.space.serve import start_app, stop_app

    model = plan.model.app_value if plan.model else None
    print(f"Serving on http://127.0.0.1:{port} (Ctrl-C stops it)", flush=True)
    process = start_app(plan.folder, model_value=model, port=port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run the finally below
    try:
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop_app(process)
