"""The Porter stemmer as Snowball defines it (snowballstem.org, algorithms/porter), in Python: the stemmer
DuckDB's fts extension calls as `stem(w, 'porter')`, so a query's new words need no DuckDB round trip (~1 ms
per query, which half the queries of the search benchmark paid). Tokens here are lower-case [a-z0-9]
(keyword.tokenize); tests/search/test_porter.py compares it with DuckDB's on ~100k words.

`stem` follows the Snowball program step by step: R1 / R2 are the regions after the first (second)
non-vowel that follows a vowel; each step takes the longest suffix of its list, and if that suffix's condition
fails the step does nothing (no shorter suffix is tried). 'y' after a vowel (or first) is a consonant, 'Y'.
"""
from __future__ import annotations

_VOWELS = frozenset("aeiouy")
_WXY = frozenset("aeiouywxY")
_DOUBLES = frozenset(("bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt"))

_STEP_2 = {"tional": "tion", "enci": "ence", "anci": "ance", "abli": "able", "entli": "ent", "eli": "e",
           "izer": "ize", "ization": "ize", "ational": "ate", "ation": "ate", "ator": "ate", "alli": "al",
           "alism": "al", "aliti": "al", "fulness": "ful", "ousli": "ous", "ousness": "ous", "iveness": "ive",
           "iviti": "ive", "biliti": "ble"}
_STEP_3 = {"alize": "al", "icate": "ic", "iciti": "ic", "ical": "ic", "ative": "", "ful": "", "ness": ""}
_STEP_4 = ("al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ou", "ism", "ate",
           "iti", "ous", "ive", "ize", "ion")


def _longest(word: str, suffixes) -> str | None:
    best = None
    for s in suffixes:
        if word.endswith(s) and (best is None or len(s) > len(best)):
            best = s
    return best


def _short_before(w: str, at: int) -> bool:
    """Snowball's shortv at position `at`: w[at-3:at] is non-vowel, vowel, non-vowel other than w, x, Y."""
    return at >= 3 and w[at - 1] not in _WXY and w[at - 2] in _VOWELS and w[at - 3] not in _VOWELS


def _has_vowel(w: str, end: int) -> bool:
    return any(c in _VOWELS for c in w[:end])


def stem(word: str) -> str:
    w = list(word)
    y_found = False
    if w and w[0] == "y":
        w[0], y_found = "Y", True
    for i in range(1, len(w)):
        if w[i] == "y" and w[i - 1] in _VOWELS:
            w[i], y_found = "Y", True
    w = "".join(w)
    n = len(w)
    p1 = p2 = n
    i = 0
    marks = []
    for _ in range(2):
        while i < n and w[i] not in _VOWELS:
            i += 1
        i += 1
        while i < n and w[i] in _VOWELS:
            i += 1
        if i >= n:
            break
        i += 1
        marks.append(i)
    if marks:
        p1 = marks[0]
        if len(marks) > 1:
            p2 = marks[1]

    # Step 1a
    s = _longest(w, ("sses", "ies", "ss", "s"))
    if s == "sses":
        w = w[:-2]
    elif s == "ies":
        w = w[:-2]
    elif s == "s":
        w = w[:-1]
    # Step 1b
    s = _longest(w, ("eed", "ed", "ing"))
    if s == "eed":
        if p1 <= len(w) - 3:
            w = w[:-1]
    elif s is not None and _has_vowel(w, len(w) - len(s)):
        w = w[:-len(s)]
        if w.endswith(("at", "bl", "iz")):
            w += "e"
        elif w[-2:] in _DOUBLES:
            w = w[:-1]
        elif len(w) == p1 and _short_before(w, len(w)):
            w += "e"
    # Step 1c
    if w and w[-1] in "yY" and _has_vowel(w, len(w) - 1):
        w = w[:-1] + "i"
    # Step 2
    s = _longest(w, _STEP_2)
    if s is not None and p1 <= len(w) - len(s):
        w = w[:-len(s)] + _STEP_2[s]
    # Step 3
    s = _longest(w, _STEP_3)
    if s is not None and p1 <= len(w) - len(s):
        w = w[:-len(s)] + _STEP_3[s]
    # Step 4
    s = _longest(w, _STEP_4)
    if s is not None and p2 <= len(w) - len(s):
        if s != "ion":
            w = w[:-len(s)]
        elif len(w) > 3 and w[-4] in "st":
            w = w[:-3]
    # Step 5a
    if w.endswith("e"):
        at = len(w) - 1
        if p2 <= at or (p1 <= at and not _short_before(w, at)):
            w = w[:-1]
    # Step 5b
    if w.endswith("ll") and p2 <= len(w) - 1:
        w = w[:-1]
    return w.replace("Y", "y") if y_found else w
