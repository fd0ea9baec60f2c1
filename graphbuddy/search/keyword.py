"""BM25 over DuckDB's fts index, scored in process.

DuckDB's fts extension builds the index (tokenizer, porter stemmer, English stop words) with
`PRAGMA create_fts_index`; it is not incremental, so it is rebuilt when the documents changed (a
fingerprint of ids and text, kept in `meta`). `match_bm25` costs ~10 ms a query at 100k documents (it
joins the index tables per query), more than the whole search budget, so the index tables are read once per
snapshot into a sparse matrix of BM25 weights: a query is then one DuckDB call to tokenize and stem it
with the extension's own functions plus a sparse column sum. Scores equal `match_bm25`'s (tested).
"""
from __future__ import annotations

import logging
import re
import time
import unicodedata

import numpy as np

log = logging.getLogger(__name__)

FTS_SCHEMA = "fts_main_documents"
K1, B = 1.2, 0.75          # match_bm25's defaults
_FINGERPRINT_KEY = "search:fts_fingerprint:v2"     # v2: digits kept in words
# The index keeps digits inside words (sha256, http2, w0c2 are words of their own: fts's default drops digits)
# and splits on underscores (round_cents matches "round cents"): lower(strip_accents(s)), this pattern -> space.
_IGNORE = r"(\.|[^a-z0-9])+"
_PUNCT = re.compile(_IGNORE)


def tokenize(text: str) -> list[str]:
    """The extension's tokenizer, in Python (so a query needs no DuckDB round trip for known words)."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return [t for t in _PUNCT.sub(" ", folded).split() if t]


def documents_fingerprint(analytics) -> str:
    n, h = analytics.rows("SELECT count(*), coalesce(bit_xor(hash(id, title, content)), 0) FROM documents")[0]
    return f"{n}:{h}"


def ensure_fts_index(analytics) -> tuple[bool, float]:
    """Rebuild the fts index if the documents changed since it was built: (rebuilt, seconds)."""
    analytics.load_extension("fts")
    fp = documents_fingerprint(analytics)
    stored = analytics.rows("SELECT value FROM meta WHERE key = ?", [_FINGERPRINT_KEY])
    exists = analytics.rows("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'docs'",
                            [FTS_SCHEMA])[0][0]
    if exists and stored and stored[0][0] == fp:
        return False, 0.0
    started = time.perf_counter()
    analytics.execute("PRAGMA create_fts_index('documents', 'id', 'title', 'content', stemmer = 'porter', "
                      f"stopwords = 'english', ignore = '{_IGNORE}', overwrite = 1)")
    analytics.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_FINGERPRINT_KEY, fp])
    seconds = time.perf_counter() - started
    log.info("rebuilt full-text index over %s documents in %.2fs", fp.split(":")[0], seconds)
    return True, seconds


class KeywordIndex:
    """BM25 weights as a (documents x terms) sparse matrix whose rows follow the snapshot's row order."""

    def __init__(self, analytics, row_of: dict[str, int], n_rows: int):
        from scipy import sparse

        self._analytics = analytics
        self.rebuilt, self.rebuild_seconds = ensure_fts_index(analytics)
        num_docs, avgdl = analytics.rows(f"SELECT num_docs, avgdl FROM {FTS_SCHEMA}.stats")[0] or (0, 1.0)
        docs = analytics.arrow(f"SELECT docid, name, len FROM {FTS_SCHEMA}.docs ORDER BY docid")
        dictionary = analytics.arrow(f"SELECT termid, term, df FROM {FTS_SCHEMA}.dict")
        tf = analytics.arrow(f"SELECT docid, termid, count(*)::DOUBLE AS tf FROM {FTS_SCHEMA}.terms GROUP BY ALL")
        self.term_ids = dict(zip(dictionary["term"].to_pylist(), dictionary["termid"].to_pylist()))
        # word -> porter stem for every word of the corpus, computed by the extension in one query; a query word
        # outside the corpus vocabulary costs one DuckDB call (and is remembered).
        self._stems = dict(analytics.rows(
            f"SELECT w, stem(w, 'porter') FROM (SELECT DISTINCT unnest({FTS_SCHEMA}.tokenize("
            f"concat_ws(' ', title, content))) AS w FROM documents) WHERE w <> ''"))
        self._stopwords = {w for (w,) in analytics.rows(f"SELECT sw FROM {FTS_SCHEMA}.stopwords")}
        n_terms = (max(self.term_ids.values()) + 1) if self.term_ids else 0
        docid = docs["docid"].to_numpy()
        size = int(docid.max()) + 1 if len(docid) else 0
        row = np.full(size, -1, dtype=np.int64)
        length = np.zeros(size, dtype=np.float64)
        row[docid] = [row_of.get(name, -1) for name in docs["name"].to_pylist()]
        length[docid] = docs["len"].to_numpy()
        df = np.zeros(n_terms, dtype=np.float64)
        df[dictionary["termid"].to_numpy()] = dictionary["df"].to_numpy()
        d, t, f = tf["docid"].to_numpy(), tf["termid"].to_numpy(), tf["tf"].to_numpy()
        idf = np.log10((num_docs - df[t] + 0.5) / (df[t] + 0.5) + 1.0)   # DuckDB log() is base 10
        weight = idf * f * (K1 + 1) / (f + K1 * (1 - B + B * length[d] / (avgdl or 1.0)))
        keep = row[d] >= 0
        self.weights = sparse.csc_matrix((weight[keep], (row[d][keep], t[keep])), shape=(n_rows, n_terms),
                                         dtype=np.float32)

    def query_terms(self, text: str) -> list[str]:
        """Distinct stems of the query's words, stop words left out (as the index leaves them out)."""
        words = set(tokenize(text)) - self._stopwords
        unknown = sorted(words - set(self._stems))
        if unknown:
            self._stems.update(self._analytics.rows("SELECT w, stem(w, 'porter') FROM (SELECT unnest(?) AS w)",
                                                    [unknown]))
        return sorted({self._stems[w] for w in words if self._stems.get(w)})

    def scores(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Per snapshot row: BM25 score (0: no query term), and coverage, the share of the query's terms
        (stop words aside, known to the index or not) that the row contains."""
        wanted = self.query_terms(text)
        terms = [t for t in wanted if t in self.term_ids]
        n = self.weights.shape[0]
        if not terms:
            return np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
        w = self.weights                 # CSC: a term's postings are one slice of indices/data
        spans = [(w.indptr[c], w.indptr[c + 1]) for c in (self.term_ids[t] for t in terms)]
        rows = np.concatenate([w.indices[a:b] for a, b in spans])
        data = np.concatenate([w.data[a:b] for a, b in spans])
        scores = np.bincount(rows, weights=data, minlength=n).astype(np.float32)
        coverage = np.bincount(rows, minlength=n).astype(np.float32) / len(wanted)
        return scores, coverage
