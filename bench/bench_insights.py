"""Insight extraction throughput (MB/s of transcript text), against baselines measured in the same run.

A synthetic transcript of realistic agent output (prose, code fences, tool output, file paths, markdown
lists) with an insight block every ~25 KB, plus a few decoys (unclosed blocks, the template placeholder).
Baselines: `str.count("★")` (memory bandwidth, the ceiling) and a line-by-line Python loop that only looks
at each line once (what a non-regex extractor would at least cost).

    python bench/bench_insights.py [--mb 64]
"""
from __future__ import annotations

import argparse
import random
import time

from graphbuddy.memory.insights import extract_insights

PROSE = [
    "I'll start by reading the module to understand how the pricing pipeline is wired together.",
    "The failing test is `tests/test_pricing.py::test_discount`; it expects 10.00 but gets 9.99.",
    "Let me check where `round_cents` is called from before changing its behaviour.",
    "This function is called from three places: `_line_total`, `apply_discount` and the CLI.",
    "Running the test suite now to confirm nothing else depends on the old rounding.",
    "All 143 tests pass. The change is limited to shop/core/pricing.py:14 and one new test.",
    "Next, I'll update the handler so it no longer formats cents by hand.",
]
CODE = ("```python\ndef apply_discount(amount, percent):\n    def clamp(p):\n        return max(0, min(100, p))\n\n"
        "    return round_cents(amount * (100 - clamp(percent)) / 100)\n```\n")
TOOL = ("     1\t\"\"\"Price arithmetic.\"\"\"\n     2\timport math\n     3\t\n     4\t\n"
        "     5\tdef total_price(lines):\n     6\t    return sum(_line_total(line) for line in lines)\n")
INSIGHT = ("`★ Insight ─────────────────────────────────────`\n"
           "- Rounding money with binary floats is a gotcha #{n}: use Decimal with ROUND_HALF_UP.\n"
           "- `apply_discount` funnels through `round_cents`, so one fix covers every caller.\n"
           "`─────────────────────────────────────────────────`\n")
DECOYS = ["★ Insight ─────\nan unclosed block that must be ignored\n\n",
          "`★ Insight ─────`\n[2-3 key educational points]\n`─────`\n"]


def build(mb: float, seed: int = 7) -> tuple[str, int]:
    rnd = random.Random(seed)
    parts, size, blocks, since = [], 0, 0, 0
    target = int(mb * 1024 * 1024)
    while size < target:
        r = rnd.random()
        piece = CODE if r < 0.15 else TOOL if r < 0.35 else " ".join(rnd.sample(PROSE, 3)) + "\n\n"
        if since > 25_000:
            piece, since, blocks = INSIGHT.format(n=blocks), 0, blocks + 1
        elif r > 0.999:
            piece = rnd.choice(DECOYS)
        parts.append(piece)
        size += len(piece.encode("utf-8"))
        since += len(piece)
    return "".join(parts), blocks


def timed(fn, text: str, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(text)
        best = min(best, time.perf_counter() - t0)
    return best, out


def line_loop(text: str) -> int:
    n = 0
    for line in text.splitlines():
        if "★" in line:
            n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=64.0)
    args = ap.parse_args()
    text, blocks = build(args.mb)
    mb = len(text.encode("utf-8")) / 1024 / 1024
    t_extract, found = timed(extract_insights, text)
    t_count, _ = timed(lambda s: s.count("★"), text)
    t_lines, _ = timed(line_loop, text)
    distinct = len({b.content for b in found})
    print(f"transcript: {mb:.1f} MB, {blocks} insight blocks written ({distinct} distinct found)")
    print(f"extract_insights : {mb / t_extract:8.1f} MB/s  ({t_extract * 1000:.0f} ms; target >= 50 MB/s)")
    print(f"str.count('★')   : {mb / t_count:8.1f} MB/s  (ceiling; extractor at {t_count / t_extract:.2f}x of it)")
    print(f"line-by-line loop: {mb / t_lines:8.1f} MB/s  (extractor runs at {t_lines / t_extract:.2f}x its speed)")
    assert distinct == blocks, "every written block must be found exactly once"


if __name__ == "__main__":
    main()
