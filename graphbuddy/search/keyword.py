"""BM25 over DuckDB's fts index, scored in process, kept up to date without rebuilding the index.

DuckDB's fts extension builds the index (tokenizer, porter stemmer, stop words) with `PRAGMA
create_fts_index`; it is not incremental (~1-2 s per 100k documents) and `match_bm25` joins the index tables
on every call (~10 ms at 100k). So the index tables are read once into term-frequency postings whose rows
follow the search snapshot's rows (the *main* postings), and documents written later are tokenized here,
exactly like the extension does, into small *delta* postings appended for the snapshot's new rows. BM25 is
computed per query from the term frequencies and the statistics of the live rows (number of documents, mean
length, document frequency of each query term), so scores equal `match_bm25` on a freshly built index
(tested) however many writes came since. The DuckDB index itself is rebuilt only when a whole snapshot is
(re)loaded and the documents changed since it was built (a fingerprint in `meta`).
"""
from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections import Counter
from typing import Callable

import numpy as np

from .porter import stem

log = logging.getLogger(__name__)

FTS_SCHEMA = "fts_main_documents"
K1, B = 1.2, 0.75          # match_bm25's defaults
_FINGERPRINT_KEY = "search:fts_fingerprint:v3"     # v2: digits kept in words; v3: Snowball stop words
# The index keeps digits inside words (sha256, http2, w0c2 are words of their own: fts's default drops digits)
# and splits on underscores (round_cents matches "round cents"): lower(strip_accents(s)), this pattern -> space.
_IGNORE = r"(\.|[^a-z0-9])+"
_PUNCT = re.compile(_IGNORE)
MAX_CHUNKS = 8             # delta postings are merged into one chunk beyond this many
# Stop words: the Snowball English list (Martin Porter's, made for the Porter stemmer the index uses), passed
# through the index's own tokenizer (so "don't" leaves "don" and "t"). It holds function words only. fts's
# 'english' default is the 571-word SMART list, which also drops words that carry meaning in developer notes:
# first, second, new, old, value, use, changes, twice, allow, contains, help, name, ...
_SNOWBALL = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
it its itself they them their theirs themselves what which who whom this that these those am is are was were be
been being have has had having do does did doing would should could ought i'm you're he's she's it's we're
they're i've you've we've they've i'd you'd he'd she'd we'd they'd i'll you'll he'll she'll we'll they'll isn't
aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't shan't shouldn't can't cannot
couldn't mustn't let's that's who's what's here's there's when's where's why's how's a an the and but if or
because as until while of at by for with about against between into through during before after above below to
from up down in out on off over under again further then once here there when where why how all any both each
few more most other some such no nor not only own same so than too very
"""


def tokenize(text: str) -> list[str]:
    """The extension's tokenizer, in Python (a query needs no DuckDB round trip)."""
    folded = text.lower()
    if not folded.isascii():      # ASCII has nothing to decompose nor strip: NFKD is the identity there
        folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return [t for t in _PUNCT.sub(" ", folded).split() if t]


STOP_WORDS = frozenset(tokenize(_SNOWBALL))


def documents_fingerprint(analytics) -> str:
    n, h = analytics.rows("SELECT count(*), coalesce(bit_xor(hash(id, title, content)), 0) FROM documents")[0]
    return f"{n}:{h}"


def ensure_fts_index(analytics) -> tuple[bool, float]:
    """Rebuild the fts index if the documents changed since it was built: (rebuilt, seconds)."""
    analytics.load_extension("fts")
    fp = documents_fingerprint(analytics)
    stored = analytics.meta(_FINGERPRINT_KEY)
    exists = analytics.rows("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'docs'",
                            [FTS_SCHEMA])[0][0]
    if exists and stored == fp:
        return False, 0.0
    started = time.perf_counter()
    # The pragma copies the stop words from a one-column table; a temporary one leaves nothing behind.
    analytics.execute("CREATE OR REPLACE TEMP TABLE search_stopwords(sw VARCHAR)")
    analytics.execute("INSERT INTO search_stopwords SELECT unnest(?::VARCHAR[])", [sorted(STOP_WORDS)])
    analytics.execute("PRAGMA create_fts_index('documents', 'id', 'title', 'content', stemmer = 'porter', "
                      f"stopwords = 'search_stopwords', ignore = '{_IGNORE}', overwrite = 1)")
    analytics.set_meta(_FINGERPRINT_KEY, fp)
    seconds = time.perf_counter() - started
    log.info("rebuilt full-text index over %s documents in %.2fs", fp.split(":")[0], seconds)
    return True, seconds


class Stemmer:
    """word -> Porter stem, as the extension's `stem(w, 'porter')` gives it (`porter.py`, the same Snowball
    algorithm in Python: a DuckDB call cost ~1 ms, paid by every query with a word not seen before)."""

    def __init__(self):
        self._stems: dict[str, str] = {}

    def stems(self, words) -> dict[str, str]:
        known = self._stems
        for w in words:
            if w not in known:
                known[w] = stem(w)
        return known


class _Postings:
    """(term id, row, tf) triples sorted by term id: one term's postings are one slice."""

    def __init__(self, terms: np.ndarray, rows: np.ndarray, tf: np.ndarray):
        order = np.lexsort((rows, terms))
        self.terms, self.rows, self.tf = terms[order], rows[order], tf[order]

    def of(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.searchsorted(self.terms, [term, term + 1])
        return self.rows[a:b], self.tf[a:b]

    @staticmethod
    def merged(parts, remap: np.ndarray | None = None) -> "_Postings":
        terms = np.concatenate([p.terms for p in parts])
        rows = np.concatenate([p.rows for p in parts])
        tf = np.concatenate([p.tf for p in parts])
        if remap is not None:
            rows = remap[rows]
            keep = rows >= 0
            terms, rows, tf = terms[keep], rows[keep], tf[keep]
        return _Postings(terms, rows, tf)


class KeywordIndex:
    """Term-frequency postings over the snapshot's rows (main from the fts tables + deltas), immutable: each
    snapshot version gets its own object, sharing the arrays of the previous one."""

    def __init__(self, *, vocab: dict[str, int], parts: list[_Postings], length: np.ndarray, alive: np.ndarray,
                 stemmer: Stemmer, rebuilt: bool = False, rebuild_seconds: float = 0.0):
        self.vocab = vocab              # stem -> term id; append-only, shared between versions
        self.parts = parts
        self.length = length            # terms per row (stop words left out), as the index's docs.len
        self.alive = alive
        self.stemmer = stemmer
        self.rebuilt, self.rebuild_seconds = rebuilt, rebuild_seconds
        self.n = len(length)
        self.num_docs = int(alive.sum())
        self.avgdl = float(length[alive].sum()) / self.num_docs if self.num_docs else 1.0
        self._norm = K1 * (1 - B + B * length / (self.avgdl or 1.0))     # BM25's length part, per row
        self._terms: dict[int, tuple] = {}                                 # term id -> `_term`

    @classmethod
    def load(cls, analytics, row_of: dict[str, int], alive: np.ndarray) -> "KeywordIndex":
        """Main postings from the fts index tables (rebuilt first if the documents changed)."""
        rebuilt, seconds = ensure_fts_index(analytics)
        docs = analytics.arrow(f"SELECT docid, name, len FROM {FTS_SCHEMA}.docs")
        dictionary = analytics.arrow(f"SELECT termid, term FROM {FTS_SCHEMA}.dict")
        tf = analytics.arrow(f"SELECT docid, termid, count(*)::FLOAT AS tf FROM {FTS_SCHEMA}.terms GROUP BY ALL")
        vocab = dict(zip(dictionary["term"].to_pylist(), dictionary["termid"].to_pylist()))
        docid = docs["docid"].to_numpy()
        size = int(docid.max()) + 1 if len(docid) else 0
        row = np.full(size, -1, dtype=np.int64)
        row[docid] = [row_of.get(name, -1) for name in docs["name"].to_pylist()]
        n = len(alive)
        length = np.zeros(n, dtype=np.float64)
        mapped = row[docid] >= 0
        length[row[docid][mapped]] = docs["len"].to_numpy()[mapped]
        d, t = tf["docid"].to_numpy(), tf["termid"].to_numpy().astype(np.int64)
        rows = row[d]
        keep = rows >= 0               # a document deleted since the snapshot was read
        main = _Postings(t[keep], rows[keep], tf["tf"].to_numpy()[keep])
        return cls(vocab=vocab, parts=[main], length=length, alive=alive, stemmer=Stemmer(),
                   rebuilt=rebuilt, rebuild_seconds=seconds)

    def extended(self, *, texts: list[tuple[str | None, str | None]], alive: np.ndarray,
                 remap: np.ndarray | None = None) -> "KeywordIndex":
        """The index for the next snapshot version: `texts` (title, content) of the rows appended after the
        existing ones, then `remap` (old row -> new row, -1: gone) if the snapshot renumbered its rows."""
        parts, length = self.parts, self.length
        tokens = [[w for w in tokenize(f"{title or ''} {content or ''}") if w not in STOP_WORDS]
                  for title, content in texts]
        stems = self.stemmer.stems(w for ws in tokens for w in ws)
        t_ids, r_ids, tfs, lengths = [], [], [], np.zeros(len(texts), dtype=np.float64)
        start = len(length)
        for i, words in enumerate(tokens):
            counts = Counter(stems[w] for w in words if stems.get(w))
            lengths[i] = sum(counts.values())
            for term, c in counts.items():
                t_ids.append(self.vocab.setdefault(term, len(self.vocab)))
                r_ids.append(start + i)
                tfs.append(c)
        length = np.concatenate([length, lengths])
        if t_ids:
            parts = [*parts, _Postings(np.asarray(t_ids, dtype=np.int64), np.asarray(r_ids, dtype=np.int64),
                                       np.asarray(tfs, dtype=np.float32))]
        if remap is not None:
            parts = [_Postings.merged(parts, remap)]
            kept = remap >= 0
            length, old = np.zeros(int(kept.sum()), dtype=np.float64), length
            length[remap[kept]] = old[kept]
        elif len(parts) > MAX_CHUNKS:
            parts = [parts[0], _Postings.merged(parts[1:])]
        return KeywordIndex(vocab=self.vocab, parts=parts, length=length, alive=alive, stemmer=self.stemmer)

    def query_terms(self, text: str) -> list[str]:
        """Distinct stems of the query's words, stop words left out (as the index leaves them out)."""
        words = set(tokenize(text)) - STOP_WORDS
        stems = self.stemmer.stems(words)
        return sorted({stems[w] for w in words if stems.get(w)})

    def scores(self, text: str) -> tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], np.ndarray]]:
        """Per snapshot row, the BM25 score (float64; 0: no query term, or not a live row) and whether it is
        positive (a mask, from the query terms' live postings: no pass over the scores); and `coverage(rows)`:
        for those rows, the share of the query's terms (stop words aside, known to the index or not) each one
        contains (float32), asked for the ~100 rows of the pool only."""
        wanted = self.query_terms(text)
        n = self.n
        scores = np.zeros(n, dtype=np.float64)
        terms = np.zeros(n, dtype=np.uint16)       # query terms in each row (a query has < 2**16 words)
        for term in wanted:
            tid = self.vocab.get(term)
            if tid is None:
                continue
            rows, impact = self._term(tid)
            scores[rows] += impact
            terms[rows] += 1

        def coverage(rows: np.ndarray) -> np.ndarray:
            count = terms[rows].astype(np.float32)
            return count / len(wanted) if wanted else count

        return scores, terms.astype(bool), coverage

    def _term(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        """A term's live rows (distinct) and each one's BM25 part. Computed once per index version (whose
        statistics are fixed): a query then only adds the parts of its terms up. At most one float64 per
        posting (~9 MB at 100k short documents)."""
        got = self._terms.get(tid)
        if got is not None:
            return got
        got = [p.of(tid) for p in self.parts]
        if self.num_docs != self.n:
            got = [(r[live], f[live]) for r, f in got for live in (self.alive[r],)]
        if len(got) == 1:
            rows, tf = got[0][0], got[0][1].astype(np.float64)
        else:
            rows = np.concatenate([r for r, _ in got])
            tf = np.concatenate([f for _, f in got]).astype(np.float64)
        df = len(rows)
        idf = np.log10((self.num_docs - df + 0.5) / (df + 0.5) + 1.0)     # DuckDB log() is base 10
        # idf * tf * (K1 + 1) / (tf + norm), in place (the same operations in the same order: the same bits)
        part = np.multiply(tf, idf)
        part *= K1 + 1
        norm = self._norm[rows]
        norm += tf
        part /= norm
        got = self._terms[tid] = (rows, part)
        return got
