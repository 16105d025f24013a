"""Copy a child's output to the terminal as-is and to ``train.log`` as plain lines.

Keras' progress bar redraws itself with ``\\b``, ``\\r`` and ANSI colours. The terminal
shows that live; the log keeps only what the screen finally showed, line by line. The log
is capped (:data:`LOG_HEAD_BYTES` from the start, then the last :data:`LOG_TAIL_BYTES`,
with a line saying how much was cut between them), so a chatty script cannot fill a disk
or a commit.
"""

from __future__ import annotations

import codecs
import collections
import re
import threading
from typing import IO, TextIO

_MAX_PENDING = 8192
LOG_HEAD_BYTES = 3 * 2**20  # the start of the log, kept whole (with the tail: under 5 MiB)
LOG_TAIL_BYTES = 1 * 2**20  # and its end, once the head is full
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")


def render(raw: str) -> str:
    """The text a terminal would show for one line ``raw``: ``\\r``, ``\\b``, ANSI applied."""
    raw = _ANSI.sub("", raw)
    if "\r" not in raw and "\b" not in raw:
        return raw
    screen: list[str] = []
    col = 0
    for char in raw:
        if char == "\r":
            col = 0
        elif char == "\b":
            col = max(0, col - 1)
        else:
            if col < len(screen):
                screen[col] = char
            else:
                screen.append(char)
            col += 1
    return "".join(screen)


def clean_line(raw: str) -> str:
    """:func:`render` without trailing blanks."""
    return render(raw).rstrip()


class LogTee:
    """Feed it byte chunks; it echoes them and writes cleaned lines to ``log``."""

    def __init__(
        self,
        log: TextIO,
        echo: IO[bytes] | None = None,
        *,
        head_bytes: int = LOG_HEAD_BYTES,
        tail_bytes: int = LOG_TAIL_BYTES,
    ) -> None:
        self.log = log
        self.echo = echo
        self._room = head_bytes  # bytes the log may still take before lines go to the tail
        self._tail_bytes = tail_bytes
        self._tail: collections.deque[str] = collections.deque()
        self._tail_size = 0
        self.cut_bytes = 0  # bytes left out between the head and the tail
        self.cut_lines = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self.tail: list[str] = []  # the last lines, for error reasons
        self._lock = threading.Lock()  # the pump thread feeds, the main thread notes

    def feed(self, chunk: bytes) -> None:
        with self._lock:
            self._feed(chunk)

    def _feed(self, chunk: bytes) -> None:
        if self.echo is not None:
            try:
                self.echo.write(chunk)
                self.echo.flush()
            except (OSError, ValueError):
                self.echo = None  # the terminal went away; keep logging
        text = self._pending + self._decoder.decode(chunk)
        *lines, self._pending = text.replace("\r\n", "\n").split("\n")
        for line in lines:
            self._write(clean_line(line))
        if len(self._pending) > _MAX_PENDING:  # a progress bar redrawn for a long epoch
            self._pending = render(self._pending)

    def close(self) -> None:
        with self._lock:
            rest = self._pending + self._decoder.decode(b"", final=True)
            if rest:
                self._write(clean_line(rest))
            self._pending = ""
            if self._room < 0:  # capped: the marker, then the tail
                self.log.write(
                    f"[sprint] train.log capped: {self.cut_bytes} bytes "
                    f"({self.cut_lines} lines) left out here; the last lines "
                    "follow\n"
                )
                self.log.writelines(self._tail)
                self._tail.clear()
            self.log.flush()

    def note(self, message: str) -> None:
        """Write a harness line (``[sprint] ...``) to the log and the terminal."""
        with self._lock:
            self._note(message)

    def _note(self, message: str) -> None:
        line = f"[sprint] {message}"
        self._log_line(line)
        if self.echo is not None:
            try:
                self.echo.write((line + "\n").encode())
                self.echo.flush()
            except (OSError, ValueError):
                self.echo = None

    def _write(self, line: str) -> None:
        self._log_line(line)
        self.tail = (self.tail + [line])[-200:]

    def _log_line(self, line: str) -> None:
        """Write a line to the log while the head has room; afterwards keep the last ones."""
        text = line + "\n"
        size = len(text.encode("utf-8", "replace"))
        if self._room >= size:
            self._room -= size
            self.log.write(text)
            self.log.flush()
            return
        self._room = -1
        self._tail.append(text)
        self._tail_size += size
        while self._tail_size > self._tail_bytes and len(self._tail) > 1:
            dropped = len(self._tail.popleft().encode("utf-8", "replace"))
            self._tail_size -= dropped
            self.cut_bytes += dropped
            self.cut_lines += 1
