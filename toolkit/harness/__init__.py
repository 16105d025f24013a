"""The capturing harness: ``sprint run`` executes a reproduction's unmodified ``train.py``.

Two processes cooperate:

- the parent (:mod:`toolkit.harness.runner`) creates ``runs/<run-id>/``, launches the
  child, streams its output to the terminal and ``train.log``, handles Ctrl-C and
  time-outs, then writes ``env.json``, ``curves.png``, ``metrics.json`` (complete runs
  only) and the final ``run.json``;
- the child (:mod:`toolkit.harness.child`) sets the backend and seed, patches
  ``keras.Model.fit``/``evaluate`` (:mod:`toolkit.harness.capture`) and the data loaders
  (:mod:`toolkit.harness.datahooks`), runs the script with :func:`runpy.run_path` and
  hands its captures back through a JSON file.

Nothing here imports Keras at module level except the child-side modules, which are
only imported inside the child process.
"""
