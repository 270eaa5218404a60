"""Features of a parsed note: context-marked n-grams, lexicon hits by context, and its embedding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from triage.nlp.notes import CONTEXTS, ParsedNote
from triage.taxonomy import LABELS


def _split(text: str) -> list[str]:
    return text.split()


def lexicon_counts(notes: Sequence[ParsedNote], *, clause: int | None = None) -> np.ndarray:
    """log(1 + hits) per (label, context); restricted to one clause when given."""
    index = {(label, ctx): i * len(CONTEXTS) + j
             for i, label in enumerate(LABELS) for j, ctx in enumerate(CONTEXTS)}
    out = np.zeros((len(notes), len(index)), dtype=np.float32)
    for row, note in enumerate(notes):
        for hit in note.hits:
            if clause is None or hit.clause == clause:
                out[row, index[(hit.label, hit.context)]] += 1.0
    return np.log1p(out)


@dataclass
class FeatureBuilder:
    """Fitted on training notes; turns notes (and their embeddings) into one sparse matrix."""

    ngram_weight: float = 1.0
    lexicon_weight: float = 0.5
    embedding_weight: float = 0.0  # 0 leaves the note embedding out (it added nothing on dev)
    vectorizer: TfidfVectorizer = field(default_factory=lambda: TfidfVectorizer(
        analyzer=_split, sublinear_tf=True, min_df=2, max_features=60_000))

    def fit(self, notes: Sequence[ParsedNote]) -> FeatureBuilder:
        self.vectorizer.fit([_with_bigrams(n.tokens) for n in notes])
        self.vectorizer.stop_words_ = None  # the terms it dropped: training text, not needed
        return self

    @property
    def uses_embeddings(self) -> bool:
        return self.embedding_weight > 0

    def transform(self, notes: Sequence[ParsedNote], embeddings: np.ndarray | None = None) -> sparse.csr_matrix:
        ngrams = self.vectorizer.transform([_with_bigrams(n.tokens) for n in notes])
        parts = [ngrams * self.ngram_weight,
                 sparse.csr_matrix(lexicon_counts(notes) * self.lexicon_weight)]
        if self.uses_embeddings:
            if embeddings is None:
                raise ValueError("this feature set needs the note embeddings")
            parts.append(sparse.csr_matrix(embeddings * self.embedding_weight))
        return sparse.hstack(parts).tocsr()

    def clause_lexical(self, note: ParsedNote) -> sparse.csr_matrix:
        """The lexical part of the features, one row per clause (for evidence)."""
        per_clause: list[list[str]] = [[] for _ in note.clauses]
        for token, clause in zip(note.tokens, note.token_clause):
            per_clause[clause].append(token)
        ngrams = self.vectorizer.transform([_with_bigrams(t) for t in per_clause])
        lex = np.vstack([lexicon_counts([note], clause=i) for i in range(len(note.clauses))])
        return sparse.hstack([ngrams * self.ngram_weight,
                              sparse.csr_matrix(lex * self.lexicon_weight)]).tocsr()

    @property
    def lexical_width(self) -> int:
        return len(self.vectorizer.vocabulary_) + len(LABELS) * len(CONTEXTS)


def _with_bigrams(tokens: Sequence[str]) -> str:
    bigrams = [f"{a}__{b}" for a, b in zip(tokens, tokens[1:])]
    return " ".join(list(tokens) + bigrams)
