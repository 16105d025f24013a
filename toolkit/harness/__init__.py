"""The capturing harness: ``sprint run`` executes a reproduction's unmodified ``train.py``.

Two processes cooperate:

- the parent (:mod:`~toolkit.harness.runner`) creates ``runs/<run-id>/``, launches the
  child, streams its output to the terminal and ``train.log``
  (:mod:`~toolkit.harness.logstream`), handles Ctrl-C and time-outs, then writes
  ``env.json``, ``curves.png`` (:mod:`~toolkit.harness.curves`), ``metrics.json``
  (:mod:`~toolkit.harness.metrics`, complete runs only) and the final ``run.json``;
- the child (:mod:`~toolkit.harness.child`) seeds the run
  (:mod:`~toolkit.harness.seeding`), patches ``keras.Model.fit``/``evaluate``
  (:mod:`~toolkit.harness.capture`, TensorBoard scalars via
  :mod:`~toolkit.harness.tbwriter`) and the data loaders
  (:mod:`~toolkit.harness.datahooks`), runs the script with :func:`runpy.run_path` and
  hands its captures back through a JSON file (:mod:`~toolkit.harness.config` says where).

Only child-side modules touch Keras, and only inside functions: importing the parent
side costs no framework import.
"""
