"""A minimal TensorBoard event-file writer (scalars only), free of TensorFlow.

Keras' ``TensorBoard`` callback needs TensorFlow even on the JAX and torch backends:
seconds of import time, hundreds of MB of memory and, on GPU machines, a second
framework competing for GPU memory. Epoch scalars are all the harness records, and
their on-disk format is small: TFRecord framing around ``Event`` protocol buffers.
The files read back with TensorBoard and with ``tf.compat.v1.train.summary_iterator``.
"""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path
from typing import Any


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum TFRecord files use."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> bytes:
    crc = crc32c(data)
    return struct.pack("<I", (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        bits, value = value & 0x7F, value >> 7
        out.append(bits | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field_bytes(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _event(step: int, *, file_version: str = "", scalars: dict[str, float] | None = None) -> bytes:
    """Encode an ``Event`` message (wall_time=1, step=2, file_version=3, summary=5)."""
    message = b"\x09" + struct.pack("<d", time.time())
    if step:
        message += b"\x10" + _varint(step)
    if file_version:
        message += _field_bytes(3, file_version.encode())
    if scalars:
        summary = b"".join(
            _field_bytes(1, _field_bytes(1, tag.encode()) + b"\x15" + struct.pack("<f", value))
            for tag, value in scalars.items()
        )
        message += _field_bytes(5, summary)
    return message


class EventWriter:
    """Appends scalar summaries to one ``events.out.tfevents.*`` file in ``logdir``."""

    def __init__(self, logdir: Path) -> None:
        logdir.mkdir(parents=True, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.sprint.{os.getpid()}.v2"
        self.path = logdir / name
        self._handle = open(self.path, "ab")  # noqa: SIM115 - kept open across epochs
        self._write(_event(0, file_version="brain.Event:2"))

    def scalars(self, step: int, values: dict[str, float]) -> None:
        """Record ``values`` (tag -> number) at ``step``; non-numbers are skipped."""
        clean = {}
        for tag, value in values.items():
            try:
                clean[tag] = float(value)
            except (TypeError, ValueError):
                continue
        if clean:
            self._write(_event(step, scalars=clean))

    def close(self) -> None:
        self._handle.close()

    def _write(self, record: bytes) -> None:
        length = struct.pack("<Q", len(record))
        self._handle.write(length + _masked_crc(length) + record + _masked_crc(record))
        self._handle.flush()


def epoch_scalars(logs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One epoch's Keras logs as scalars per split, tagged as Keras' TensorBoard callback does.

    ``val_*`` logs go to ``validation`` (prefix dropped), the others to ``train``, each as
    ``epoch_<name>``; splits without a value are left out.
    """
    train = {f"epoch_{k}": v for k, v in logs.items() if not k.startswith("val_")}
    validation = {f"epoch_{k[4:]}": v for k, v in logs.items() if k.startswith("val_")}
    return {split: tags for split, tags in (("train", train), ("validation", validation)) if tags}


def evaluation_scalars(logs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One ``evaluate()`` result as ``test`` scalars tagged ``evaluation_<name>``."""
    return {"test": {f"evaluation_{k}": v for k, v in logs.items()}} if logs else {}


def replay_metrics(metrics: dict[str, Any], logdir: Path) -> list[Path]:
    """Write a finished run's TensorBoard logs from its ``metrics.json``; the files written.

    The live logs are git-ignored, so a run trained elsewhere has only its ``metrics.json``:
    its per-epoch ``history`` and ``evaluations`` hold every scalar the live logs had (wall
    times are those of the replay).
    """
    writers: dict[str, EventWriter] = {}

    def write(step: int, per_split: dict[str, dict[str, Any]]) -> None:
        for split, tags in per_split.items():
            if split not in writers:
                writers[split] = EventWriter(Path(logdir) / split)
            writers[split].scalars(step, tags)

    history: dict[str, list[Any]] = metrics.get("history") or {}
    for step in range(max(map(len, history.values()), default=0)):
        write(
            step,
            epoch_scalars(
                {k: v[step] for k, v in history.items() if step < len(v) and v[step] is not None}
            ),
        )
    for step, logs in enumerate(metrics.get("evaluations") or []):
        write(step, evaluation_scalars(logs))
    for writer in writers.values():
        writer.close()
    return [writer.path for writer in writers.values()]
