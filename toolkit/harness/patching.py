"""Replace a function everywhere a loaded module holds a reference to it."""

from __future__ import annotations

import sys
from typing import Any


def replace_function(name: str, old: Any, new: Any) -> list[tuple[Any, str]]:
    """Point every loaded module's ``name`` that holds ``old`` to ``new``.

    ``from x import f`` copies a reference into each importing module, so patching the
    defining module alone is not enough. Returns what was changed, for undoing.
    """
    changed = []
    for module in list(sys.modules.values()):
        try:
            namespace = vars(module)
        except TypeError:
            continue
        if namespace.get(name) is old:
            setattr(module, name, new)
            changed.append((module, name))
    return changed
