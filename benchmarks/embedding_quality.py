"""Retrieval quality and cost of the offline sentence embedder, alone and fused with BM25.

Answers two questions before semantic search is wired into the bot:
does all-MiniLM-L6-v2 (int8 ONNX, bot.answering.embedder) find the statements that
answer readers' questions, and what does combining it with keyword search add
over either alone? Every ranking is scored on the same questions with the same
metrics:

* recall@5: the share of a question's relevant refs found among the first five
  answers, averaged over questions;
* MRR: 1 / rank of the first relevant answer (0 if none is ranked), averaged.

Methods (each on three document texts: the statement alone; "speaker (role,
side): text"; the latter with topics and places appended):

* ``embedding``: cosine similarity of question and statement vectors;
* ``bm25``: a small in-memory Okapi BM25 (k1=1.2, b=0.75, FTS5's defaults),
  OR of the question's content words, English stop words removed, a light
  suffix stemmer; only statements sharing a word are ranked, as with FTS5;
* ``rrf``: reciprocal rank fusion of the two rankings, k=60 (the constant of
  Cormack et al. 2009, not fitted here);
* ``minmax``/``zscore``: per-question min-max or z-score normalised BM25 and
  cosine, combined as ``w * cosine + (1 - w) * bm25`` with w fixed in advance
  (``--weight``, default 0.5). A sweep over w is printed as a diagnostic, and a
  leave-one-question-out choice of w shows what fitting the weight is worth on
  unseen questions (the sweep's best value is an optimistic figure).

Nothing is fitted to individual questions. Output: one JSON object per line,
then a readable table (``--no-table`` to omit it).

    python benchmarks/embedding_quality.py [STATEMENTS] [QUESTIONS]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bot.answering.embedder import Embedder  # noqa: E402

DEFAULT_STATEMENTS = ROOT / "bot" / "data" / "statements.jsonl"
DEFAULT_QUESTIONS = ROOT / "benchmarks" / "data" / "dev" / "en.jsonl"

#: Figures measured elsewhere on the same data, printed for comparison.
REFERENCE = {
    "fts5_bm25 (reference)": {"recall@5": 0.88, "mrr": 0.82},
    "embedding (reference)": {"recall@5": 0.85, "mrr": 0.79},
}

K = 5
RRF_K = 60
BM25_K1 = 1.2
BM25_B = 0.75
WEIGHTS = [round(0.1 * i, 1) for i in range(11)]

Ranking = list[int]  # document indices, best first


# -- data -----------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _speaker_line(s: dict[str, Any]) -> str:
    who = ", ".join(p for p in (s.get("speaker_role"), s.get("side")) if p)
    return f"{s['speaker']} ({who}): {s['text']}" if who else f"{s['speaker']}: {s['text']}"


def _with_facets(s: dict[str, Any]) -> str:
    parts = [_speaker_line(s)]
    if s.get("topics"):
        parts.append("Topics: " + ", ".join(t.replace("_", " ") for t in s["topics"]) + ".")
    if s.get("places"):
        parts.append("Places: " + ", ".join(s["places"]) + ".")
    return " ".join(parts)


DOC_TEXTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "text": lambda s: s["text"],
    "speaker+text": _speaker_line,
    "speaker+text+topics+places": _with_facets,
}


# -- keyword search ---------------------------------------------------------------

# A common English stop-word list (close to NLTK's), so that "what did ... say"
# questions match on their content words only.
STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his how
    how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
    mustn't my myself no nor not of off on once only or other ought our ours ourselves out
    over own same shan't she she'd she'll she's should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up very was wasn't we we'd we'll
    we're we've were weren't what what's when when's where where's which while who who's
    whom why why's will with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves also said say says just
    """.split()
)

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def stem(word: str) -> str:
    """A light English suffix stripper: plurals, -ing, -ed; nothing aggressive."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    elif word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    return word


def terms(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.lower().replace("\u2019", "'"))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    out = []
    for word in _WORD.findall(folded):
        if word in STOPWORDS:
            continue
        t = stem(word)
        if len(t) > 1 and t not in STOPWORDS:
            out.append(t)
    return out


class BM25:
    """Okapi BM25 over an in-memory corpus; the query is an OR of its terms."""

    def __init__(self, docs: Sequence[str], k1: float = BM25_K1, b: float = BM25_B) -> None:
        self.k1, self.b = k1, b
        self.tfs = [Counter(terms(d)) for d in docs]
        self.lens = np.array([sum(tf.values()) for tf in self.tfs], dtype=np.float64)
        self.avg = float(self.lens.mean()) if len(docs) else 0.0
        df: Counter[str] = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log((n - f + 0.5) / (f + 0.5) + 1.0) for t, f in df.items()}

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.tfs))
        norm = self.k1 * (1 - self.b + self.b * self.lens / self.avg)
        for t in set(terms(query)):
            idf = self.idf.get(t)
            if idf is None:
                continue
            tf = np.array([d.get(t, 0) for d in self.tfs], dtype=np.float64)
            out += idf * tf * (self.k1 + 1) / (tf + norm)
        return out


# -- rankings ---------------------------------------------------------------------


def rank(scores: np.ndarray, only_positive: bool = False) -> Ranking:
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return [i for i in order if scores[i] > 0] if only_positive else order


def rrf(rankings: Iterable[Ranking], k: int = RRF_K) -> Ranking:
    fused: dict[int, float] = {}
    for ranking in rankings:
        for r, doc in enumerate(ranking, start=1):
            fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + r)
    return sorted(fused, key=lambda d: (-fused[d], d))


def minmax(x: np.ndarray) -> np.ndarray:
    span = x.max() - x.min()
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


def zscore(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def score_fusion(cos: np.ndarray, bm: np.ndarray, weight: float, norm: Callable) -> Ranking:
    return rank(weight * norm(cos) + (1 - weight) * norm(bm))


# -- metrics ----------------------------------------------------------------------


@dataclass
class Score:
    recall: float
    mrr: float


def score_one(ranking: Ranking, relevant: set[int]) -> Score:
    recall = len(relevant & set(ranking[:K])) / len(relevant)
    first = next((r for r, d in enumerate(ranking, start=1) if d in relevant), None)
    return Score(recall, 1.0 / first if first else 0.0)


def mean_score(scores: Sequence[Score]) -> Score:
    return Score(
        statistics.fmean(s.recall for s in scores), statistics.fmean(s.mrr for s in scores)
    )


def _without(scores: Sequence[Score], i: int) -> tuple[float, float]:
    """(MRR, recall@5) over all questions but the i-th: how a weight would be chosen."""
    m = mean_score([s for j, s in enumerate(scores) if j != i])
    return (m.mrr, m.recall)


def pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


# -- main -------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("statements", nargs="?", type=Path, default=DEFAULT_STATEMENTS)
    ap.add_argument("questions", nargs="?", type=Path, default=DEFAULT_QUESTIONS)
    ap.add_argument("--weight", type=float, default=0.5, help="cosine weight of score fusion")
    ap.add_argument("--repeat", type=int, default=10, help="rounds of the questions for latency")
    ap.add_argument("--loads", type=int, default=3, help="model loads timed")
    ap.add_argument("--no-table", action="store_true")
    ap.add_argument("--per-question", action="store_true", help="print each question's ranks")
    args = ap.parse_args(argv)

    statements = read_jsonl(args.statements)
    questions = read_jsonl(args.questions)
    refs = [s["ref"] for s in statements]
    index = {ref: i for i, ref in enumerate(refs)}
    unknown = {r for q in questions for r in q["relevant"]} - index.keys()
    if unknown:
        sys.exit(f"questions name refs not in the corpus: {sorted(unknown)}")
    relevant = [{index[r] for r in q["relevant"]} for q in questions]
    texts_q = [q["q"] for q in questions]

    lines: list[dict[str, Any]] = []

    def emit(obj: dict[str, Any]) -> None:
        lines.append(obj)
        print(json.dumps(obj, ensure_ascii=False), flush=True)

    emit(
        {
            "kind": "data",
            "statements": str(args.statements),
            "n_statements": len(statements),
            "questions": str(args.questions),
            "n_questions": len(questions),
        }
    )

    # Load cost: fresh loads in this process (the OS file cache is warm after
    # the first, as it is for a restarted bot).
    load_s = []
    embedder = None
    for _ in range(max(1, args.loads)):
        t0 = time.perf_counter()
        embedder = Embedder.load()
        load_s.append(time.perf_counter() - t0)
        if embedder is None:
            sys.exit("the embedder did not load: install the 'semantic' extra")
    assert embedder is not None
    emit(
        {
            "kind": "load",
            "model": embedder.model_id,
            "load_s_median": round(statistics.median(load_s), 3),
            "load_s_first": round(load_s[0], 3),
            "loads": len(load_s),
        }
    )

    q_vecs = embedder.embed(texts_q)
    per_method: dict[tuple[str, str], list[Score]] = {}
    per_question_ranks: dict[tuple[str, str], list[int | None]] = {}

    def record(method: str, doc: str, rankings: list[Ranking], extra: dict | None = None) -> Score:
        scores = [score_one(r, rel) for r, rel in zip(rankings, relevant, strict=True)]
        per_method[(method, doc)] = scores
        per_question_ranks[(method, doc)] = [
            next((n for n, d in enumerate(r, 1) if d in rel), None)
            for r, rel in zip(rankings, relevant, strict=True)
        ]
        m = mean_score(scores)
        emit(
            {
                "kind": "quality",
                "method": method,
                "doc": doc,
                "recall@5": round(m.recall, 3),
                "mrr": round(m.mrr, 3),
                **(extra or {}),
            }
        )
        return m

    for doc_name, make_doc in DOC_TEXTS.items():
        docs = [make_doc(s) for s in statements]
        t0 = time.perf_counter()
        d_vecs = embedder.embed(docs)
        embed_corpus_s = time.perf_counter() - t0
        emit(
            {
                "kind": "corpus",
                "doc": doc_name,
                "embed_s": round(embed_corpus_s, 3),
                "ms_per_statement": round(1000 * embed_corpus_s / len(docs), 2),
            }
        )
        cos = q_vecs @ d_vecs.T  # (questions, statements)
        bm25 = BM25(docs)
        bm = np.stack([bm25.scores(q) for q in texts_q])

        emb_rank = [rank(c) for c in cos]
        bm_rank = [rank(b, only_positive=True) for b in bm]
        record("embedding", doc_name, emb_rank)
        record("bm25", doc_name, bm_rank)
        record(
            "rrf",
            doc_name,
            [rrf([e, b]) for e, b in zip(emb_rank, bm_rank, strict=True)],
            {"k": RRF_K},
        )

        for norm_name, norm in (("minmax", minmax), ("zscore", zscore)):
            record(
                norm_name,
                doc_name,
                [score_fusion(c, b, args.weight, norm) for c, b in zip(cos, bm, strict=True)],
                {"weight": args.weight},
            )
            # Diagnostic sweep, and leave-one-question-out choice of the weight:
            # for each question, w is the one best (by MRR, then recall@5) on
            # the other questions; the held-out question is scored with it.
            table = {
                w: [
                    score_one(score_fusion(c, b, w, norm), rel)
                    for c, b, rel in zip(cos, bm, relevant, strict=True)
                ]
                for w in WEIGHTS
            }
            sweep = {w: mean_score(s) for w, s in table.items()}
            emit(
                {
                    "kind": "sweep",
                    "method": norm_name,
                    "doc": doc_name,
                    "diagnostic": True,
                    "by_weight": {
                        str(w): {"recall@5": round(s.recall, 3), "mrr": round(s.mrr, 3)}
                        for w, s in sweep.items()
                    },
                }
            )
            held_out, chosen = [], []
            for i in range(len(questions)):
                w_best = max(WEIGHTS, key=lambda w: (_without(table[w], i), -abs(w - 0.5)))
                chosen.append(w_best)
                held_out.append(table[w_best][i])
            m = mean_score(held_out)
            per_method[(f"{norm_name}-loo", doc_name)] = held_out
            emit(
                {
                    "kind": "quality",
                    "method": f"{norm_name}-loo",
                    "doc": doc_name,
                    "recall@5": round(m.recall, 3),
                    "mrr": round(m.mrr, 3),
                    "weights_chosen": dict(sorted(Counter(map(str, chosen)).items())),
                }
            )

    if args.per_question:
        for (method, doc), ranks in per_question_ranks.items():
            for q, r in zip(texts_q, ranks, strict=True):
                emit(
                    {
                        "kind": "question",
                        "method": method,
                        "doc": doc,
                        "q": q,
                        "first_relevant_rank": r,
                    }
                )

    # Latency of one reader's question: embedding alone, and the whole
    # embed + cosine + BM25 + fusion path, over repeated rounds.
    docs = [DOC_TEXTS["speaker+text"](s) for s in statements]
    d_vecs = embedder.embed(docs)
    bm25 = BM25(docs)
    for q in texts_q[:3]:  # warm-up
        embedder.embed_one(q)
    embed_ms, full_ms = [], []
    for _ in range(max(1, args.repeat)):
        for q in texts_q:
            t0 = time.perf_counter()
            v = embedder.embed_one(q)
            t1 = time.perf_counter()
            rrf([rank(d_vecs @ v), rank(bm25.scores(q), only_positive=True)])
            t2 = time.perf_counter()
            embed_ms.append(1000 * (t1 - t0))
            full_ms.append(1000 * (t2 - t0))
    emit(
        {
            "kind": "latency",
            "queries": len(embed_ms),
            "embed_ms_p50": round(pct(embed_ms, 50), 2),
            "embed_ms_p95": round(pct(embed_ms, 95), 2),
            "embed+rank+fuse_ms_p50": round(pct(full_ms, 50), 2),
            "embed+rank+fuse_ms_p95": round(pct(full_ms, 95), 2),
        }
    )

    if not args.no_table:
        print_table(lines)
    return 0


def print_table(lines: list[dict[str, Any]]) -> None:
    quality = [row for row in lines if row["kind"] == "quality"]
    docs = list(DOC_TEXTS)
    methods = list(dict.fromkeys(row["method"] for row in quality))
    cell = {(row["method"], row["doc"]): row for row in quality}
    w = max(len(m) for m in [*methods, *REFERENCE]) + 2
    print()
    print("recall@5 / MRR".ljust(w) + "".join(d[:26].rjust(28) for d in docs))
    for m in methods:
        row = m.ljust(w)
        for d in docs:
            c = cell.get((m, d))
            row += (f"{c['recall@5']:.2f} / {c['mrr']:.2f}" if c else "-").rjust(28)
        print(row)
    for name, ref in REFERENCE.items():
        print(name.ljust(w) + f"{ref['recall@5']:.2f} / {ref['mrr']:.2f}".rjust(28))
    weight = next((row["weight"] for row in quality if "weight" in row), None)
    print(
        f"(minmax, zscore: fixed cosine weight {weight}; -loo: weight chosen without the question)"
    )
    for row in lines:
        if row["kind"] == "sweep":
            sweep = "  ".join(
                f"{k}:{v['recall@5']:.2f}/{v['mrr']:.2f}" for k, v in row["by_weight"].items()
            )
            print(f"sweep {row['method']:<6} {row['doc']:<27} {sweep}")
    load = next(row for row in lines if row["kind"] == "load")
    lat = next(row for row in lines if row["kind"] == "latency")
    print(
        f"load {load['load_s_median']:.2f} s (median of {load['loads']}, "
        f"first {load['load_s_first']:.2f} s); "
        f"query embed p50 {lat['embed_ms_p50']:.1f} ms p95 {lat['embed_ms_p95']:.1f} ms; "
        f"embed+rank+fuse p50 {lat['embed+rank+fuse_ms_p50']:.1f} ms p95 "
        f"{lat['embed+rank+fuse_ms_p95']:.1f} ms ({lat['queries']} queries)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
