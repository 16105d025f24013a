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
