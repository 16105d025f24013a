"""Child side: serve downloads from the data mirror (:mod:`toolkit.data`).

Two interception points cover the ways Keras.io examples fetch data:

- ``keras.utils.get_file``, including the references the ``keras.datasets`` loaders
  hold (``from keras.src.utils.file_utils import get_file``). A mirrored origin is
  handed to the real ``get_file`` as a ``file://`` URL with the mirror's SHA-256, so
  caching, ``extract=True`` and ``untar=True`` behave exactly as with a download.
- ``urllib.request.urlopen``, which ``pd.read_csv(URL)``, ``urllib.request.urlretrieve``
  and Keras' own download go through.

A URL missing from the mirror raises :class:`~toolkit.errors.DataError` naming it and
the ``sprint data add`` command, unless a smoke run can be served a generated stand-in
(:mod:`toolkit.harness.standin`, recorded as such) or the network is allowed (then the real
download runs, and its failure is turned into the same error).
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from toolkit.data import Mirror, is_remote_url, staging_command
from toolkit.errors import DataError
from toolkit.fsutil import sha256_file
from toolkit.harness.patching import replace_function
from toolkit.harness.standin import STAND_INS, has_stand_in, write_stand_in


class DataHooks:
    """The mirror as seen from inside a run; records every file it served."""

    def __init__(
        self, mirror: Mirror | None, *, network: bool, stand_in_dir: Path | None = None
    ) -> None:
        self.mirror = mirror
        self.network = network
        # Smoke runs only: where generated stand-ins (toolkit.harness.standin) are written
        # for URLs the mirror lacks; None never serves one.
        self.stand_in_dir = stand_in_dir
        self.served: dict[str, dict[str, Any]] = {}
        self._undo: list[tuple[Any, str, Any]] = []

    # -- lookup ----------------------------------------------------------------------
    def resolve(self, url: str, via: str) -> Path | None:
        """The mirror file for ``url``; ``None`` to download it; :class:`DataError` if neither."""
        path = self.mirror.resolve(url) if self.mirror is not None else None
        entry = self.mirror.lookup(url) if path is not None and self.mirror is not None else None
        if path is not None and entry is not None:
            self.served.setdefault(
                url,
                {
                    "url": url,
                    "source": "mirror",
                    "via": via,
                    "file": entry.file,
                    "sha256": entry.sha256,
                },
            )
            return path
        if self.stand_in_dir is not None and has_stand_in(url):
            return self._stand_in(url, via)
        if not self.network:
            raise self.missing(url)
        self.served.setdefault(url, {"url": url, "source": "network", "via": via})
        return None

    def _stand_in(self, url: str, via: str) -> Path:
        """Write (once) and record the generated stand-in for ``url``."""
        assert self.stand_in_dir is not None
        path = write_stand_in(url, self.stand_in_dir / "files")
        if url not in self.served:
            self.served[url] = {
                "url": url,
                "source": "stand-in",
                "via": via,
                "file": path.name,
                "sha256": sha256_file(path),
                "what": STAND_INS[url].what,
            }
            print(
                f"[sprint] smoke run: {url} is not in the data mirror; serving a generated "
                f"stand-in, not the real dataset ({STAND_INS[url].what})",
                file=sys.stderr,
                flush=True,
            )
        return path

    def missing(self, url: str, cause: str = "") -> DataError:
        root = self.mirror.root if self.mirror is not None else None
        where = f"data mirror {root}" if root else "no data mirror is configured"
        what = (
            f"Could not download {url} ({cause})"
            if cause
            else f"{url} is not in the data mirror and downloads are off"
        )
        return DataError(
            what,
            where=where,
            fix=f"download the file on a machine with network access, then stage it with "
            f"`{staging_command(url, root if self.mirror and self.mirror.explicit else None)}`",
        )

    # -- patches ---------------------------------------------------------------------
    def install(self) -> None:
        """Patch ``urllib.request.urlopen`` and, if Keras is imported, ``get_file``."""
        self._patch(urllib.request, "urlopen", self._wrap_urlopen(urllib.request.urlopen))
        try:
            from keras.src.utils import file_utils
        except ImportError:
            return
        original = file_utils.get_file
        wrapped = self._wrap_get_file(original)
        for module, name in replace_function("get_file", original, wrapped):
            self._undo.append((module, name, original))

    def uninstall(self) -> None:
        for owner, name, previous in reversed(self._undo):
            setattr(owner, name, previous)
        self._undo.clear()

    def _patch(self, owner: Any, name: str, new: Any) -> None:
        self._undo.append((owner, name, getattr(owner, name)))
        setattr(owner, name, new)

    def _wrap_urlopen(self, original: Any) -> Any:
        hooks = self

        @functools.wraps(original)
        def urlopen(url: Any, *args: Any, **kwargs: Any) -> Any:
            target = url.full_url if isinstance(url, urllib.request.Request) else url
            if is_remote_url(target):
                local = hooks.resolve(target, via="urlopen")
                if local is not None:
                    return original(local.as_uri(), timeout=kwargs.get("timeout", 60))
            return original(url, *args, **kwargs)

        return urlopen

    def _wrap_get_file(self, original: Any) -> Any:
        signature = inspect.signature(original)
        hooks = self

        @functools.wraps(original)
        def get_file(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            origin = bound.arguments.get("origin")
            if not isinstance(origin, str) or not is_remote_url(origin):
                return original(*args, **kwargs)
            local = hooks.resolve(origin, via="get_file")
            if local is None:  # network allowed: the real download
                try:
                    return original(*args, **kwargs)
                except Exception as exc:
                    if "URL fetch failure" in str(exc):
                        raise hooks.missing(origin, cause=str(exc)) from exc
                    raise
            arguments = bound.arguments
            wanted = os.path.basename(urlsplit(origin).path)
            if not arguments.get("fname") and wanted and wanted != local.name:
                arguments["fname"] = wanted  # keep the cache name a download would have
            arguments["origin"] = local.as_uri()
            # The mirror's checksum rules: Keras' own hash may not match a rebuilt file.
            arguments["md5_hash"] = None
            arguments["file_hash"] = hooks.served[origin]["sha256"]
            arguments["hash_algorithm"] = "sha256"
            if hooks.served[origin]["source"] == "stand-in" and hooks.stand_in_dir is not None:
                # never into the Keras cache, where a later full run could find it; the
                # folder must exist, or Keras quietly falls back to /tmp/.keras
                cache = hooks.stand_in_dir / "keras-cache"
                cache.mkdir(parents=True, exist_ok=True)
                arguments["cache_dir"] = str(cache)
            return original(*bound.args, **bound.kwargs)

        return get_file
