"""What credentials look like, in one place: the hygiene check finds them, messages redact them.

``SECRET_PATTERNS`` maps a kind of secret to its pattern; ``HF_TOKEN_PATTERN`` is the Hugging
Face one. A token may sit inside a longer word (``my_hf_...``, ``HF_TOKEN=hf_...``), so the
patterns need no word boundary before the prefix; they do need enough random-looking
characters after it, so names such as ``hf_hub_download`` or ``hf_xet`` never match.

>>> redact("HF_TOKEN=hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567")
'HF_TOKEN=hf_***'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# hf_ + 30 or more letters and digits, mixed case (Hub tokens are random): placeholders such
# as hf_xxxx... and snake_case names (hf_hub_download) do not match.
HF_TOKEN_PATTERN = re.compile(
    r"hf_(?=[A-Za-z0-9]*[A-Z])(?=[A-Za-z0-9]*[a-z])[A-Za-z0-9]{30,}(?![A-Za-z0-9])"
)
_START = r"(?<![A-Za-z0-9])"  # a prefix may follow `_` or `=`, not another letter or digit
SECRET_PATTERNS: dict[str, re.Pattern[str]] = {
    "Hugging Face token": HF_TOKEN_PATTERN,
    "OpenAI-style key": re.compile(_START + r"sk-[A-Za-z0-9]{32,}(?![A-Za-z0-9])"),
    "AWS access key id": re.compile(_START + r"AKIA[0-9A-Z]{16}(?![A-Za-z0-9])"),
    "GitHub token": re.compile(
        _START + r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9]{22,}_[A-Za-z0-9]{50,})"
    ),
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----"),
}


def find_secrets(text: str) -> Iterator[tuple[str, re.Match[str]]]:
    """Each secret in ``text``: its kind and its match, in the order of ``SECRET_PATTERNS``."""
    for kind, pattern in SECRET_PATTERNS.items():
        for match in pattern.finditer(text):
            yield kind, match


def redact(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with every secret, and every string of ``known`` (e.g. the token in use),
    replaced by its prefix and ``***``."""
    for secret in known:
        if secret:
            text = text.replace(secret, "***")
    for pattern in SECRET_PATTERNS.values():
        text = pattern.sub(_masked, text)
    return text


def _masked(match: re.Match[str]) -> str:
    value = match.group(0)
    if value.startswith("-----"):
        return "-----BEGIN *** PRIVATE KEY-----"
    cut = value.find("_") + 1 or value.find("-") + 1 or 4
    return value[:cut] + "***"
