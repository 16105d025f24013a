"""Run a generated Space on this machine: ``python app.py`` with the model and port set,
and call it as a visitor does."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from toolkit.errors import RunError


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(model_value: str | None, port: int, host: str = "127.0.0.1") -> dict[str, str]:
    """The environment of an app process: the model source, where to listen, no telemetry."""
    env = dict(os.environ)
    env.update(
        GRADIO_SERVER_NAME=host,
        GRADIO_SERVER_PORT=str(port),
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
    )
    if model_value:
        env["SPRINT_MODEL_PATH"] = model_value
    return env


def start_app(
    folder: Path,
    *,
    model_value: str | None,
    port: int,
    log_path: Path | None = None,
    extra_env: dict[str, str] | None = None,
    python: str = sys.executable,
) -> subprocess.Popen:
    """Start ``python app.py`` in ``folder``; its output goes to ``log_path`` (or is inherited).

    ``extra_env`` adds variables, e.g. ``GRADIO_CACHE_EXAMPLES=true`` to run every example
    at start-up as Hugging Face Spaces do.
    """
    log = open(log_path, "wb") if log_path else None  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [python, "app.py"],
        cwd=folder,
        env=app_env(model_value, port) | (extra_env or {}),
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
    )


def wait_for_app(
    url: str, process: subprocess.Popen, *, timeout: float = 180.0, log_path: Path | None = None
) -> float:
    """Seconds until ``url`` answers; :class:`RunError` (with the log's tail) if the app dies
    or stays silent for ``timeout`` seconds."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise RunError(
                f"The Space app exited with code {process.returncode} before serving",
                where=f"{url}{_tail(log_path)}",
                fix="read the app's output above; `python app.py` in the Space folder shows it",
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RunError(
        f"The Space app did not answer within {timeout:.0f} s",
        where=f"{url}{_tail(log_path)}",
        fix="check the app's output for errors",
    )


def stop_app(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate the app process (kill it if it does not stop in ``timeout`` seconds)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def try_examples(url: str, folder: Path) -> list[str]:
    """Call the running app with each of its examples, as a visitor clicking them does;
    one line per example that got no answer (an empty list: every one answered)."""
    from gradio_client import Client

    config = json.loads((Path(folder) / "space_config.json").read_text(encoding="utf-8"))
    client = Client(url, verbose=False, analytics_enabled=False)
    failures = []
    for number, row in enumerate(config.get("examples") or [], start=1):
        args = [example_argument(folder, config["family"], value) for value in row]
        try:
            client.predict(*args, api_name="/predict")
        except Exception as exc:  # the app's own message, as the visitor would read it
            failures.append(f"example {number} {row}: {' '.join(str(exc).split())[:300]}")
    return failures


def example_argument(folder: Path, family: str, value):
    """An example cell as a client sends it: a file uploaded, a sample table as data."""
    if not (isinstance(value, str) and value.startswith("examples/")):
        return value
    if value.endswith(".csv") and family.startswith("tabular"):
        import pandas as pd

        frame = pd.read_csv(Path(folder) / value)
        return {"headers": list(frame.columns), "data": frame.values.tolist()}
    from gradio_client import handle_file

    return handle_file(str(Path(folder) / value))


def _tail(log_path: Path | None, lines: int = 15) -> str:
    if not log_path or not Path(log_path).is_file():
        return ""
    text = Path(log_path).read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return "; app output:\n" + "\n".join(text)
