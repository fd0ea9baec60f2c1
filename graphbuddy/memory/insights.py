"""Insight blocks, found by rule, never generated.

Coding agents in "explanatory" mode write:

    `★ Insight ─────────────────────────────────────`
    - the point being made
    `─────────────────────────────────────────────────`

One compiled regex finds them in a single pass (the `★` literal lets `re` skip ahead with a fast search).
Tolerated: backticks or not, `**` bold, a `>` quote or indentation before the rules, any spacing, rules of 3+ `─`.
Not tolerated (better to miss than to invent): no closing rule, a body over 4,000 characters, a body that
contains another `★`, an empty body, or the template placeholder `[2-3 key educational points]`.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

MAX_BODY = 4000

_BLOCK = re.compile(
    r"★[ \t]*Insight[ \t:*]*(?P<open>─{3,})[─ \t`*]*\r?\n"          # opening line: ★ Insight ─────`
    r"(?P<body>[^★\x00]{1,%d}?)\r?\n"                              # the text (lazy: up to the first rule)
    r"[ \t>]*(?:\*\*)?(?P<tick>`?)[ \t]*─{3,}[ \t]*`?(?:\*\*)?[ \t]*(?=\r?\n|\Z)" % MAX_BODY)   # closing rule
_PLACEHOLDER = re.compile(r"^\s*\[[^\]\n]{0,80}\]\s*$")
_SPACE = re.compile(r"\s+")

# type -> keywords (lower case, matched at a word start in the lowered text); first in order wins a tie
TYPE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "security": ("security", "vulnerab", "injection", "xss", "csrf", "secret", "credential", "sanitiz",
                 "privilege", "authenticat", "authoriz", "attacker", "untrusted"),
    "performance": ("performance", "faster", "slower", "latency", "throughput", "o(n", "quadratic",
                    "memory usage", "allocation", "bottleneck", "speed", "hot path", "benchmark"),
    "gotcha": ("gotcha", "pitfall", "caveat", "subtle", "surprising", "trap", "beware", "watch out",
               "footgun", "silently", "careful", "easy to miss", "counter-intuitive", "unexpected"),
    "decision": ("decided", "decision", "we chose", "i chose", "chose ", "trade-off", "tradeoff",
                 "rather than", "instead of", "in favour of", "in favor of", "opted"),
    "pattern": ("pattern", "idiom", "convention", "design", "abstraction", "architecture", "separation of",
                "single responsibility", "dependency injection", "layer"),
}
TOPIC_KEYWORDS: dict[str, tuple[str, ...]] = {
    "testing": ("test", "pytest", "fixture", "assert", "mock"),
    "database": ("database", "sql", "query", "transaction", "schema", "index ", "duckdb", "kùzu", "kuzu",
                 "postgres", "sqlite"),
    "git": ("git ", "commit", "branch", "rebase", "merge conflict"),
    "api": ("api", "endpoint", "http", "request", "response", "rest"),
    "concurrency": ("thread", "lock", "race", "concurren", "async", "await", "parallel", "process pool"),
    "errors": ("exception", "error", "traceback", "retry", "raise"),
    "typing": ("type hint", "typing", "mypy", "annotation", "generic", "typescript"),
    "caching": ("cache", "memoiz", "memoris", "lru"),
    "parsing": ("parse", "parser", "regex", "tokeniz", "tree-sitter", "grammar"),
    "build": ("build system", "build step", "packaging", "dependenc", "pip ", "npm", "wheel", "ci "),
    "cli": ("cli", "command line", "argparse", "flag"),
    "security": TYPE_KEYWORDS["security"],
    "performance": TYPE_KEYWORDS["performance"],
}


@dataclass(frozen=True)
class InsightBlock:
    """One block as found in the text: its body, classification and where it starts."""

    id: str
    content: str
    type: str
    topics: tuple[str, ...]
    confidence: float
    offset: int


def normalize(text: str) -> str:
    """What the hash sees: NFC, whitespace runs collapsed, ends stripped."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def content_id(text: str) -> str:
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()


def _words(words) -> re.Pattern:
    return re.compile(r"(?<!\w)(?:%s)" % "|".join(re.escape(w) for w in words))


_TYPE_RES = {k: _words(v) for k, v in TYPE_KEYWORDS.items()}
_TOPIC_RES = {k: _words(v) for k, v in TOPIC_KEYWORDS.items()}


def classify(text: str) -> tuple[str, tuple[str, ...], int]:
    """(type, topics, number of distinct type keywords hit) from keyword rules."""
    low = text.lower()
    best, best_hits = "general", 0
    for kind, pattern in _TYPE_RES.items():
        hits = len(set(pattern.findall(low)))
        if hits > best_hits:
            best, best_hits = kind, hits
    topics = tuple(t for t, pattern in _TOPIC_RES.items() if pattern.search(low))
    return best, topics, best_hits


def _clean(body: str) -> str:
    lines = [ln.rstrip() for ln in body.strip("\r\n").splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines).strip()


def extract_insights(text: str) -> list[InsightBlock]:
    """Every well-formed insight block in `text`, in order, duplicates (same normalized body) once."""
    out: list[InsightBlock] = []
    seen: set[str] = set()
    for m in _BLOCK.finditer(text):
        body = _clean(m.group("body"))
        if not body or _PLACEHOLDER.match(body):
            continue
        ident = content_id(body)
        if ident in seen:
            continue
        seen.add(ident)
        kind, topics, hits = classify(body)
        # canonical form (backticked closing rule, 10+ dashes) is surest; short bodies are less certain
        confidence = 0.95 if m.group("tick") and len(m.group("open")) >= 10 else 0.8
        if len(body) < 40:
            confidence -= 0.2
        if kind == "general" or hits == 0:
            confidence -= 0.05
        out.append(InsightBlock(ident, body, kind, topics, round(confidence, 2), m.start()))
    return out
