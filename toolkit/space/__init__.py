"""Gradio Spaces for reproductions: generate (``build``), run (``serve``) and publish (``push``).

Example::

    from toolkit.space import plan_space, write_space
    plan = plan_space(Path("reproductions/mnist_convnet"), root=Path("."))
    write_space(plan)   # spaces/mnist_convnet/{app.py, README.md, requirements.txt, ...}
"""

from toolkit.space.build import SpacePlan, SpaceWrite, plan_space, space_folder, write_space
from toolkit.space.family import FAMILIES, family_for

__all__ = [
    "FAMILIES",
    "SpacePlan",
    "SpaceWrite",
    "family_for",
    "plan_space",
    "space_folder",
    "write_space",
]
