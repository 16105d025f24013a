"""Run a reproduction's script with nothing of the harness but the data mirror.

The baseline for the harness's overhead: ``train.py`` as its author would run it, except
that its downloads are served from the data mirror (a machine without network cannot
run it otherwise). No capture, no seed, no logs, no model saved, no run folder::

    python -m toolkit.harness.plain reproductions/mnist_convnet [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the reproduction folder")
    parser.add_argument("--data-dir", help="the data mirror (default: as `sprint run`)")
    args = parser.parse_args(argv)
    from toolkit.data import Mirror, network_allowed
    from toolkit.harness.datahooks import DataHooks
    from toolkit.manifest import Manifest
    from toolkit.project import project_root

    folder = args.folder.resolve()
    script = folder / Manifest.load(folder).run.script
    mirror = Mirror.locate(args.data_dir, project_root(folder))
    DataHooks(mirror, network=network_allowed(mirror)).install()
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    sys.argv = [str(script)]
    runpy.run_path(str(script), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
