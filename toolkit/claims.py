"""Reported metrics: what an example says it achieves, and what its rendered page printed.

Two sources, one record (:class:`ReportedMetric`):

- :func:`claims_from_text` reads sentences of the Description or the prose ("achieves ~99% test
  accuracy", "a validation accuracy of 0.86", "val_loss around 0.3", "at least 80% accuracy").
  A number becomes a claim only when it is bound to a metric word, either right before it
  ("97% validation accuracy") or right after it through connecting words ("accuracy of 0.86").
  Numbers followed by units (epochs, pixels, samples...), relative changes ("a 5% accuracy
  gain"), chance levels and figures quoted from papers are not claims.
- :func:`figures_from_rendered_md` reads the outputs of a rendered keras-io page: the final
  printed metrics (``Test accuracy: 0.9912``) and the last epoch of the last Keras progress-bar
  block (Keras 2 ``[=====]`` and Keras 3 ``━━━━`` bars, with or without ANSI colour codes).

Values are fractions for percentages (99% -> 0.99) and raw numbers otherwise.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

SPLITS = ("test", "validation", "train")
_I = re.IGNORECASE | re.ASCII  # ASCII case folding: metric words are ASCII, and it is faster


@dataclass
class ReportedMetric:
    """One reported figure: which metric, on which split, how much, and where it was read."""

    name: str  # normalised: accuracy, top-5 accuracy, loss, mae, auc...
    split: str  # test | validation | train
    value: float  # a fraction for percentages (99% -> 0.99), the raw number otherwise
    qualifier: str  # approx | at_least | at_most | exact
    epochs: int | None
    sentence: str
    origin: str  # description | prose | output
    line: int | None
    raw: str  # the matched text, e.g. "~99%"
    explicit_split: bool = True  # False: the text named no split, "test" was assumed


# -- vocabulary ----------------------------------------------------------------------------------
# (normalised name, pattern). Longer phrases first; all matched case-insensitively.
_METRIC_WORDS: list[tuple[str, str]] = [
    ("top-k accuracy", r"top[-_ ]?(?P<k>\d{1,2})(?:[-_ ](?:categorical[-_ ])?(?:accuracy|acc)\b)?"),
    (
        "accuracy",
        r"(?:classification |categorical |binary |sparse[-_ ]categorical[-_ ]|pixel[- ])?"
        r"(?:accuracy|acc)\b",
    ),
    (
        "loss",
        r"(?:(?P<lossword>generator|discriminator|reconstruction|kl|contrastive) )?"
        r"(?:(?:binary |categorical )?cross[- ]?entropy )?loss\b",
    ),
    ("rmse", r"root[- ]mean[- ]squared?[- ]error|\bRMSE\b"),
    ("mse", r"mean[- ]squared?[- ]error|\bMSE\b"),
    ("mape", r"mean[- ]absolute[- ]percentage[- ]error|\bMAPE\b"),
    ("mae", r"mean[- ]absolute[- ]error|\bMAE\b"),
    ("pr auc", r"\bPR[- ]AUC\b|area under the precision[- ]recall curve"),
    ("auc", r"\b(?:ROC[- ])?AUC\b|\bAUROC\b|area under the (?:ROC )?curve"),
    ("precision", r"(?<!mixed )(?<!mixed-)(?<!float )(?<!half )(?<!double )\bprecision\b"),
    ("recall", r"\brecall\b"),
    ("f1", r"\bF1(?:[- ]score)?\b|\bF[- ](?:score|measure)\b"),
    ("mean iou", r"\bmean[- ]IoU\b|\bmIoU\b|mean intersection[- ]over[- ]union"),
    ("iou", r"\bIoU\b|intersection[- ]over[- ]union"),
    ("dice", r"\bdice(?:[- ](?:score|coefficient))?\b"),
    ("bleu", r"\bBLEU(?:[- ]score)?\b"),
    ("rouge", r"\bROUGE(?:-[12L])?\b"),
    ("perplexity", r"\bperplexity\b"),
    ("psnr", r"\bPSNR\b"),
    ("ssim", r"\bSSIM\b"),
    ("r2", r"\bR(?:2\b|\^2|²)(?:[- ]score\b)?|coefficient of determination"),
    ("wer", r"\bword error rate\b|\bWER\b"),
    ("cer", r"\bcharacter error rate\b|\bCER\b"),
    ("error rate", r"\berror rate\b"),
]
_KEY_PREFIX = r"\b(?P<prefix>val|train|test|training|validation)_(?P<key>[a-z][a-z0-9_]*)\b"
_METRIC_RE = re.compile(
    "|".join([_KEY_PREFIX] + [f"(?P<m{i}>{p})" for i, (_, p) in enumerate(_METRIC_WORDS)]),
    _I,
)
# Metrics whose values live in [0, 1] (or [0, 100] as percentages).
BOUNDED = {
    "accuracy",
    "top-k accuracy",
    "auc",
    "pr auc",
    "precision",
    "recall",
    "f1",
    "iou",
    "mean iou",
    "dice",
    "ssim",
    "error rate",
    "wer",
    "cer",
}
_LOWER_IS_BETTER = ("loss", "mae", "mse", "rmse", "mape", "perplexity", "error", "wer", "cer")

_SPLIT_WORDS = (
    ("test", r"test(?:ing)?|held[- ]out|evaluation"),
    ("validation", r"validation|val|dev(?:elopment)?"),
    ("train", r"train(?:ing)?"),
)
_SPLIT = "|".join(f"(?P<s_{name}>{pattern})" for name, pattern in _SPLIT_WORDS)
_SPLIT_PHRASE = rf"(?:{_SPLIT})(?:[- ]?(?:set|data(?:set)?|split|images|samples))?"

_NUM = r"(?P<num>(?<![\w.\-/])(?:\d+(?:\.\d+)?|\.\d+))(?:\s*[-–]\s*(?P<num2>\d+(?:\.\d+)?))?"
_PCT = r"(?:\s*(?P<pct>%|percent\b|per cent\b))?"
_QUAL_WORDS = (
    r"(?:~|≈|>=|<=|>|<|\babout|\baround|\bapproximately|\bapprox\.?|\broughly|\bnearly|"
    r"\balmost|\bclose to|\bat least|\bat most|\bover|\babove|\bmore than|\bgreater than|"
    r"\bin excess of|\bexceeding|\bless than|\bunder|\bbelow|\blower than|\bup to|"
    r"\bbetter than|\bupwards of|\bjust over|\bjust under|\bwell over|\bwell above)"
)
_QUAL = rf"(?P<qual>{_QUAL_WORDS})\s*"
_CONNECT = (
    r"(?:\s*(?:[:=≈]|\((?:[^()\d]{0,40})\)|\b(?:of|is|was|are|were|will|would|should|"
    r"can|could|be|been|being|reaches|reached|reach|reaching|hits|hit|gets|get|got|"
    r"getting|goes|went|up|to|score|scores|value|values|achieved|achieves|achieve|"
    r"attains|attained|stays|remains|ends|ended|settles|plateaus|converges|stabilizes|"
    r"a|an|at|the|final|somewhere|roughly|just|well|already|still|then|now|only|"
    r"typically|usually|around|about|approximately|nearly|almost|close|near|"
    r"pass|passes|passed|exceeds?|exceeded|surpass(?:es|ed)?|crosse?s?|crossed|"
    r"beats?|tops)\b|"
    r"\b(?:drops?|dropped|falls?|fell|decreases?|decreased|increases?|increased|rises|"
    r"rose|climbs?|climbed|improves?|improved|goes|went)(?:\s+(?:down|up))?\s+"
    r"(?=to\b|below\b|under\b|above\b|over\b|beyond\b))){0,6}"
)

# metric then number: "validation accuracy of ~0.86"
_AFTER = re.compile(
    rf"(?:(?P<split>{_SPLIT_PHRASE})\s+)?(?P<metric>{_METRIC_RE.pattern})"
    rf"(?:\s+on\s+(?:the\s+)?(?P<split2>{_SPLIT_PHRASE.replace('?P<s_', '?P<t_')}))?"
    rf"(?P<connect>{_CONNECT})\s*(?:{_QUAL})?{_NUM}{_PCT}",
    _I,
)
# number then metric: "~97% validation accuracy"
_BEFORE = re.compile(
    rf"(?:{_QUAL})?{_NUM}{_PCT}(?P<plus>\+|\s+or (?:more|higher|better|above|less|lower|below))?"
    rf"\s+(?:(?P<split>{_SPLIT_PHRASE})\s+)?(?P<metric>{_METRIC_RE.pattern})",
    _I,
)
# Anchors: matching starts only where a metric word (or a split before it) or a number is.
_SPLIT_BEFORE = re.compile(rf"(?:{_SPLIT_PHRASE.replace('?P<s_', '?P<u_')})\s+$", _I)
_QUAL_BEFORE = re.compile(rf"{_QUAL_WORDS}\s*$", _I)
_NUMBER_START = re.compile(r"(?<![\w.\-/])(?:\d|\.\d)")
_SPLIT_ANYWHERE = re.compile(rf"\b(?:{_SPLIT})\b", _I)
# Split words that name a split even alone in a sentence ("we train" is a verb, "validation" not).
_SPLIT_NOUN = re.compile(
    rf"\b(?:(?:{_SPLIT})[- ]?(?:set|data(?:set)?|split|images|samples)"
    r"|(?P<v_validation>validation)|(?P<h_test>held[- ]out))\b",
    _I,
)
_TRAILING_SPLIT = re.compile(
    rf"^\s*(?:on|for|over)\s+(?:the\s+)?(?:(?:{_SPLIT})(?:[- ]?(?:set|data(?:set)?|split))?)\b",
    _I,
)
_UNIT_AFTER = re.compile(
    r"^\s*(?:epochs?|steps?|samples?|examples?|images?|classes|pixels?|px|layers?|units?|"
    r"parameters?|params|seconds?|minutes?|hours?|ms|s\b|GB|MB|KB|k\b|M\b|x\b|times|fold|"
    r"of (?:the|our|all|each|every|data|training|validation|test)\b|dropout|batch)",
    _I,
)
_CHANGE_AFTER = re.compile(
    r"^\s*(?:improvement|improvements|gain|gains|boost|increase|decrease|drop|jump|better|worse|"
    r"higher|lower|difference|gap|margin|lift|reduction|penalty|degradation|loss of)\b",
    _I,
)
_CHANGE_BEFORE = re.compile(r"\b(?:by|from|a gain of|an increase of|a drop of|\+|-)\s*$", _I)
_NOT_OURS = re.compile(
    r"\brandom(?:ly)?\s+(?:guess|chance|classifier|baseline|prediction)|\bchance\b|"
    r"\bstate[- ]of[- ]the[- ]art\b|\bSOTA\b|\b(?:the|original|their) paper\b|"
    r"\bpaper (?:reports?|achieves?|gets?|obtains?|claims?)\b|\breported (?:in|by)\b|"
    r"\b(?:authors|they|researchers) (?:present|report|achieve|obtain|get|show|claim)\b|"
    r"\bet al\b|\b(?:in|from) the (?:paper|literature|original work)\b|"
    r"\b(?:on|for) ImageNet\b",  # keras.io examples train small data sets; ImageNet is cited
    _I,
)
_EPOCHS = re.compile(
    r"(?:\b(?:after|in|within|for|over|across|of|with)\s+(?:(?:only|just|about|around|roughly|"
    r"~|training for|approximately)\s+)?(?P<a>\d+|[a-z]+)\s+(?:training\s+)?epochs?\b)|"
    r"(?:\b(?P<b>\d+)[- ]epochs?\b)|(?:\bepoch\s+(?P<c>\d+)\b)",
    _I,
)
_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
_APPROX = {
    "~",
    "≈",
    "about",
    "around",
    "approximately",
    "approx",
    "approx.",
    "roughly",
    "nearly",
    "almost",
    "close to",
    "up to",
}
_AT_LEAST = {
    "at least",
    "over",
    "above",
    "more than",
    "greater than",
    "in excess of",
    "exceeding",
    ">",
    ">=",
    "upwards of",
    "just over",
    "well over",
    "well above",
}
_PASSES = {
    "pass",
    "passes",
    "passed",
    "exceed",
    "exceeds",
    "exceeded",
    "surpass",
    "surpasses",
    "surpassed",
    "cross",
    "crosses",
    "crossed",
    "beat",
    "beats",
    "tops",
}
_AT_MOST = {"at most", "less than", "under", "below", "lower than", "<", "<=", "just under"}


# -- metric names --------------------------------------------------------------------------------
_KEY_NAMES = {
    "acc": "accuracy",
    "accuracy": "accuracy",
    "categorical_accuracy": "accuracy",
    "sparse_categorical_accuracy": "accuracy",
    "binary_accuracy": "accuracy",
    "mean_absolute_error": "mae",
    "mae": "mae",
    "mean_squared_error": "mse",
    "mse": "mse",
    "root_mean_squared_error": "rmse",
    "rmse": "rmse",
    "mean_absolute_percentage_error": "mape",
    "mape": "mape",
    "loss": "loss",
    "precision": "precision",
    "recall": "recall",
    "auc": "auc",
    "f1_score": "f1",
    "f1": "f1",
    "mean_io_u": "mean iou",
    "mean_iou": "mean iou",
    "iou": "iou",
    "perplexity": "perplexity",
    "psnr": "psnr",
    "ssim": "ssim",
    "r2_score": "r2",
    "r2": "r2",
}
_SKIP_KEYS = {"lr", "learning_rate", "time", "step", "epoch", "batch", "size"}


def normalise_metric_key(key: str) -> tuple[str, str] | None:
    """``("validation", "accuracy")`` for ``val_accuracy``; None for non-metrics (``lr``).

    Keras history keys: an optional ``val_`` prefix, numbered duplicates (``auc_1``) and
    top-k variants (``top5_acc``, ``sparse_top_k_categorical_accuracy``).
    """
    key = key.strip().lower().replace("-", "_")
    split = "train"
    for prefix, name in (
        ("val_", "validation"),
        ("validation_", "validation"),
        ("test_", "test"),
        ("train_", "train"),
        ("training_", "train"),
    ):
        if key.startswith(prefix):
            split, key = name, key[len(prefix) :]
            break
    key = re.sub(r"_\d+$", "", key)
    if not key or key in _SKIP_KEYS:
        return None
    if "top_k" in key or re.match(r"^top_?\d", key):
        digits = re.search(r"top_?(\d+)", key)
        return split, f"top-{digits.group(1) if digits else 5} accuracy"
    return split, _KEY_NAMES.get(key, key)


def _metric_name(match: re.Match[str], offset: int = 0) -> tuple[str, str | None]:
    """(normalised name, split implied by a ``val_`` style key) for a metric-word match."""
    groups = match.groupdict()
    if groups.get("key"):
        normal = normalise_metric_key(f"{groups['prefix']}_{groups['key']}")
        if normal is None:
            return "", None
        return normal[1], normal[0]
    for i, (name, _) in enumerate(_METRIC_WORDS):
        if groups.get(f"m{i}"):
            if name == "top-k accuracy":
                k = groups.get("k") or "5"
                return ("accuracy" if k == "1" else f"top-{k} accuracy"), None
            if name == "loss" and groups.get("lossword"):
                return f"{groups['lossword'].lower()} loss", None
            return name, None
    return "", None


def _split_of(match: re.Match[str]) -> str | None:
    """The split named by a match of a pattern holding ``(?P<x_split>...)`` groups."""
    for group, text in match.groupdict().items():
        if text and group[:2] in ("s_", "t_", "v_", "h_") and group[2:] in SPLITS:
            return group[2:]
    return None


# -- claims from text ----------------------------------------------------------------------------
_SENTENCE_END = re.compile(
    r"(?<=[.!?])\s+(?=[A-Z(\[*`_~\"'])|\n[ \t]*\n|\n(?=[ \t]*(?:[-*+>#]|\d+\.)\s)"
)
_FENCE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n.*?^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[A-Za-z][\w^²-]*")
# The first word of every metric phrase in _METRIC_WORDS and _KEY_PREFIX.
_FIRST_WORDS = {
    "val",
    "train",
    "test",
    "training",
    "validation",
    "classification",
    "categorical",
    "binary",
    "sparse",
    "pixel",
    "accuracy",
    "acc",
    "generator",
    "discriminator",
    "reconstruction",
    "kl",
    "contrastive",
    "cross",
    "crossentropy",
    "loss",
    "root",
    "rmse",
    "mean",
    "mse",
    "mape",
    "mae",
    "pr",
    "area",
    "roc",
    "auc",
    "auroc",
    "precision",
    "recall",
    "f",
    "miou",
    "iou",
    "intersection",
    "dice",
    "bleu",
    "perplexity",
    "psnr",
    "ssim",
    "r",
    "coefficient",
    "word",
    "wer",
    "character",
    "cer",
    "error",
}
# Substrings every metric word contains (a cheap test before the big patterns).
_METRIC_STEMS = (
    "acc",
    "loss",
    "error",
    "mae",
    "mse",
    "mape",
    "auc",
    "area under",
    "precision",
    "recall",
    "f1",
    "f-",
    "iou",
    "intersection",
    "dice",
    "bleu",
    "rouge",
    "perplexity",
    "psnr",
    "ssim",
    "r2",
    "r^2",
    "r²",
    "determination",
    "wer",
    "cer",
    "top",
    "_",
)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_INLINE_NOISE = re.compile(r"[`*]|<[^>\n]{1,80}>|https?://\S+")


def claims_from_text(text: str, origin: str, line: int | None) -> list[ReportedMetric]:
    """Metric claims in Markdown ``text`` whose first line is ``line`` (1-based) of the source.

    Fenced code blocks, link targets and URLs are ignored; each claim keeps its sentence.
    """
    text = _FENCE.sub(lambda m: "\n" * m.group().count("\n"), text)
    claims: list[ReportedMetric] = []
    newlines = [i for i, char in enumerate(text) if char == "\n"]  # once: linear, not quadratic
    start = 0
    for end_match in [*_SENTENCE_END.finditer(text), None]:
        end = end_match.start() if end_match else len(text)
        sentence = text[start:end]
        if sentence.strip():
            here = (
                None
                if line is None
                else (line + bisect.bisect_left(newlines, start) + _lead(sentence))
            )
            claims.extend(_sentence_claims(sentence, origin, here))
        start = end_match.end() if end_match else len(text)
    return claims


def _lead(sentence: str) -> int:
    stripped = sentence.lstrip()
    return sentence[: len(sentence) - len(stripped)].count("\n")


def _clean(sentence: str) -> str:
    sentence = _LINK.sub(lambda m: m.group(1), _IMAGE.sub(" ", sentence))
    sentence = _INLINE_NOISE.sub(" ", sentence)
    return re.sub(r"\s+", " ", sentence).strip()


def _sentence_claims(sentence: str, origin: str, line: int | None) -> list[ReportedMetric]:
    if not _DIGIT.search(sentence):
        return []
    lower = sentence.lower()
    if not any(stem in lower for stem in _METRIC_STEMS):
        return []
    clean = _clean(sentence)
    metric_words = _metric_words(clean)
    if not metric_words or _NOT_OURS.search(clean):
        return []
    found: list[tuple[int, ReportedMetric]] = []
    used_numbers: set[int] = set()
    taken_metrics: set[int] = set()  # metric words already bound to the number after them
    after_starts = []
    for word in metric_words:
        split = _SPLIT_BEFORE.search(clean, max(0, word.start() - 40), word.start())
        after_starts.extend([split.start(), word.start()] if split else [word.start()])
    before_starts = []
    for number in _NUMBER_START.finditer(clean):
        qual = _QUAL_BEFORE.search(clean, max(0, number.start() - 20), number.start())
        before_starts.extend([qual.start(), number.start()] if qual else [number.start()])
    for match in _anchored(_AFTER, clean, after_starts):
        claim = _claim(match, clean, origin, line, metric_first=True)
        if claim:
            used_numbers.add(match.start("num"))
            taken_metrics.update((match.start(), match.start("metric")))
            found.append((match.start("num"), claim))
    for match in _anchored(_BEFORE, clean, before_starts):
        words = match.start("split") if match.group("split") else match.start("metric")
        if match.start("num") in used_numbers or words in taken_metrics:
            continue  # e.g. "test acc 99% val acc 98%": "val acc" belongs to 98%
        claim = _claim(match, clean, origin, line, metric_first=False)
        if claim:
            used_numbers.add(match.start("num"))
            found.append((match.start("num"), claim))
    found.sort(key=lambda item: item[0])
    return [claim for _, claim in found]


def _metric_words(text: str) -> list[re.Match[str]]:
    """Metric-word matches, tried only at words that can start one (``re`` scans slowly)."""
    found: list[re.Match[str]] = []
    end = 0
    for word in _WORD.finditer(text):
        if word.start() < end:
            continue
        first = re.split(r"[-_^²]", word.group().lower(), maxsplit=1)[0]
        if first in _FIRST_WORDS or first.startswith(("top", "rouge", "f1", "r2")):
            match = _METRIC_RE.match(text, word.start())
            if match:
                found.append(match)
                end = match.end()
    return found


def _anchored(pattern: re.Pattern[str], text: str, starts: list[int]):
    """Like ``pattern.finditer(text)`` but only trying the given start positions (fast)."""
    end = 0
    for start in sorted(set(starts)):
        if start < end:
            continue
        match = pattern.match(text, start)
        if match:
            end = match.end()
            yield match


def _claim(
    match: re.Match[str], clean: str, origin: str, line: int | None, *, metric_first: bool
) -> ReportedMetric | None:
    metric = _METRIC_RE.match(match.group("metric"))
    name, key_split = _metric_name(metric) if metric else ("", None)
    if not name:
        return None
    after_num = clean[match.end() :]
    if metric_first:
        if _UNIT_AFTER.match(after_num) and not (name == "psnr" and re.match(r"^\s*dB", after_num)):
            return None
        if _CHANGE_BEFORE.search(clean[: match.start("num")]) and not match.group("connect"):
            return None
        if (
            name in ("loss",)
            and re.search(r"\bloss\s*$", match.group("metric"), re.I)
            and re.match(r"^\s*(?:function|weight)", after_num, re.I)
        ):
            return None
    else:
        if _CHANGE_AFTER.match(after_num) or _CHANGE_BEFORE.search(clean[: match.start()]):
            return None
        between = clean[match.end("num") : match.start("metric")]
        if _UNIT_AFTER.match(between):
            return None
    value = _value(match, name)
    if value is None:
        return None
    split = key_split or _split_of(match)
    explicit = True
    if split is None:
        trailing = _TRAILING_SPLIT.match(after_num)
        split = _split_of(trailing) if trailing else None
    if split is None:
        mentioned = {_split_of(m) for m in _SPLIT_NOUN.finditer(clean)} - {None}
        split = mentioned.pop() if len(mentioned) == 1 else None
    if split is None:
        split, explicit = "test", False
    raw = clean[match.start() : match.end()].strip()
    return ReportedMetric(
        name=name,
        split=split,
        value=value,
        qualifier=_qualifier(match, name, metric_first),
        epochs=_epochs(clean),
        sentence=clean,
        origin=origin,
        line=line,
        raw=raw,
        explicit_split=explicit,
    )


def _value(match: re.Match[str], name: str) -> float | None:
    number = float(match.group("num"))
    percent = bool(match.group("pct"))
    if name in BOUNDED:
        if not percent and number > 1:
            if number < 10 or number > 100:
                return None
            percent = True
        value = number / 100 if percent else number
        return value if 0 <= value <= 1 else None
    # integers are rarely metric values, except for unbounded scores (PSNR 30, BLEU 25)
    integer = not percent and "." not in match.group("num") and not match.group("num2")
    if integer and name not in ("psnr", "bleu", "perplexity", "mae", "mse", "rmse", "mape"):
        return None
    if percent and name != "mape":  # Keras reports MAPE in percent
        number /= 100
    return number


def _qualifier(match: re.Match[str], name: str, metric_first: bool) -> str:
    words = (match.group("qual") or "").strip().lower()
    if metric_first:
        connect = (match.group("connect") or "").lower()
        for phrase in ("at least", "at most", "more than", "less than", "close to", "up to"):
            if phrase in connect:
                words = words or phrase
        for word in re.findall(r"[a-z]+|[~≈]", connect):
            if word in _APPROX and not words:
                words = word
            elif word in _PASSES and not words:
                words = "at least"
    elif match.group("plus"):
        plus = match.group("plus").lower()
        higher = "+" in plus or any(w in plus for w in ("more", "higher", "better", "above"))
        return "at_least" if higher else "at_most"
    if match.group("num2"):
        return "at_least"
    if words == "better than":
        lower_better = any(token in name for token in _LOWER_IS_BETTER)
        return "at_most" if lower_better else "at_least"
    if words in _AT_LEAST:
        return "at_least"
    if words in _AT_MOST:
        return "at_most"
    if words in _APPROX:
        return "approx"
    return "exact"


def _epochs(sentence: str) -> int | None:
    for match in _EPOCHS.finditer(sentence):
        token = (match.group("a") or match.group("b") or match.group("c") or "").lower()
        if token.isdigit():
            return int(token)
        if token in _WORD_NUMBERS:
            return _WORD_NUMBERS[token]
    return None


# -- figures from a rendered page ----------------------------------------------------------------
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\[[0-9;]{1,8}m")
_EPOCH_HEADER = re.compile(r"^\s*Epoch\s+(\d+)\s*/\s*(\d+)\s*$")
_PROGRESS = re.compile(r"^\s*(\d+)/(\d+)\b(?:\s|$)")
_PAIR = re.compile(
    r"(?:^|\s)-\s+([A-Za-z_][\w]*)\s*:\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
)
_PRINTED = re.compile(
    r"(?P<label>[A-Za-z][A-Za-z0-9_ ()\-]{0,50}?)\s*[:=]\s*"
    r"(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?P<pct>\s*%)?(?![\w.])"
)
_PYTHON_FENCE = re.compile(r"^\s*```\s*(?:python|py|shell|bash|sh)\b", _I)


def figures_from_rendered_md(md_text: str) -> list[ReportedMetric]:
    """Final printed metrics and the last epoch of the last progress-bar block in a page.

    Only output blocks are read (fenced blocks that are not ``python``); a page without fences
    is read whole. Each printed ``(split, metric)`` keeps its last value.
    """
    lines = [_ANSI.sub("", line).split("\r")[-1] for line in md_text.split("\n")]
    output_lines = list(_output_lines(lines))
    printed: dict[tuple[str, str], ReportedMetric] = {}
    last_epoch: tuple[int, int, str, list[tuple[str, str]]] | None = None
    epoch: int | None = None
    waiting = False
    for number, line in output_lines:
        header = _EPOCH_HEADER.match(line)
        if header:
            epoch, waiting = int(header.group(1)), True
            continue
        progress = _PROGRESS.match(line)
        if progress:
            step, total = int(progress.group(1)), int(progress.group(2))
            complete = step == total and "ETA" not in line
            pairs = _PAIR.findall(line)
            if waiting and complete and pairs and epoch is not None:
                last_epoch = (epoch, number, line.strip(), pairs)
                waiting = False
            continue
        if re.match(r"^\s*Epoch\b", line):
            continue
        for claim in _printed_figures(line, number):
            printed[(claim.split, claim.name)] = claim
    figures = list(printed.values())
    if last_epoch:
        epoch_number, line_number, text, pairs = last_epoch
        for key, raw_value in pairs:
            normal = normalise_metric_key(key)
            if normal is None:
                continue
            split, name = normal
            figures.append(
                ReportedMetric(
                    name=name,
                    split=split,
                    value=float(raw_value),
                    qualifier="exact",
                    epochs=epoch_number,
                    sentence=text,
                    origin="output",
                    line=line_number,
                    raw=f"{key}: {raw_value}",
                )
            )
    return figures


def _output_lines(lines: list[str]):
    """(1-based line number, text) of lines inside output fences (or all, without fences)."""
    if not any(line.lstrip().startswith("```") for line in lines):
        yield from ((i + 1, line) for i, line in enumerate(lines))
        return
    inside = False
    is_output = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            if inside:
                inside = False
            else:
                inside, is_output = True, not _PYTHON_FENCE.match(line)
            continue
        if inside and is_output:
            yield i + 1, line


def _printed_figures(line: str, number: int) -> list[ReportedMetric]:
    figures = []
    for match in _PRINTED.finditer(line):
        label = match.group("label").strip()
        if not re.search(r"[A-Za-z]", label) or len(label.split()) > 6:
            continue
        normal = _label_metric(label)
        if normal is None:
            continue
        split, name, explicit = normal
        value = float(match.group("num"))
        if match.group("pct") and name != "mape":
            value /= 100
        figures.append(
            ReportedMetric(
                name=name,
                split=split,
                value=value,
                qualifier="exact",
                epochs=None,
                sentence=line.strip(),
                origin="output",
                line=number,
                raw=match.group().strip(),
                explicit_split=explicit,
            )
        )
    return figures


def _label_metric(label: str) -> tuple[str, str, bool] | None:
    """(split, name, explicit split) for a printed label like ``Test top 5 accuracy``."""
    key = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", label)
    if key and "_" in label:
        normal = normalise_metric_key(label)
        if normal and (normal[1] in _KEY_NAMES.values() or "accuracy" in normal[1]):
            explicit = label.lower().startswith(("val", "test", "train"))
            return (normal[0] if explicit else "test"), normal[1], explicit
    metric = None
    for candidate in _METRIC_RE.finditer(label):
        metric = candidate
    if metric is None:
        return None
    name, key_split = _metric_name(metric)
    if not name:
        return None
    split_match = _SPLIT_ANYWHERE.search(label)
    split = key_split or (_split_of(split_match) if split_match else None)
    return (split or "test"), name, split is not None
