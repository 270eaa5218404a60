"""Parse notes once into what the classifier and the explainer need.

A ParsedNote holds its clauses (character offsets; clauses split sentences at commas,
semicolons, colons and 'and' / 'but', and are the units of evidence), its tokens marked with their
ConText category ('neg_', 'his_', 'hyp_', 'oth_' prefixes) and its lexicon hits with their context.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from triage.nlp.parse import build_pipeline

LEXICON_PATH = Path(__file__).with_name("lexicon.json")
PREFIX = {"NEGATED_EXISTENCE": "neg_", "HISTORICAL": "his_", "HYPOTHETICAL": "hyp_",
          "OTHER_EXPERIENCER": "oth_"}
CONTEXTS = ("", "neg_", "his_", "hyp_", "oth_")


@dataclass(frozen=True)
class LexiconHit:
    label: str
    context: str  # one of CONTEXTS; "" means affirmed
    start: int  # character offsets
    end: int
    clause: int
    strong: bool  # a rule-net risk phrase


@dataclass(frozen=True)
class ParsedNote:
    text: str
    clauses: tuple[tuple[int, int], ...]
    tokens: tuple[str, ...]  # lower-case, context-marked
    token_clause: tuple[int, ...]
    hits: tuple[LexiconHit, ...]
    marked: str  # the text with context runs bracketed: 'denies [negated: thoughts of self-harm]'


def load_lexicon(path: Path = LEXICON_PATH) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["terms"], data["rule_net"]


class NoteParser:
    """spaCy pipeline plus lexicon matcher; parse many notes in one pass."""

    def __init__(self) -> None:
        self.nlp = build_pipeline()
        self.terms, self.rule_net = load_lexicon()
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for label, phrases in self.terms.items():
            self.matcher.add(f"T|{label}", list(self.nlp.tokenizer.pipe(phrases)))
        for label, phrases in self.rule_net.items():
            self.matcher.add(f"R|{label}", list(self.nlp.tokenizer.pipe(phrases)))

    def parse(self, text: str) -> ParsedNote:
        return self.parse_many([text])[0]

    def parse_many(self, texts: Iterable[str], *, batch_size: int = 256) -> list[ParsedNote]:
        return [self._to_note(doc) for doc in self.nlp.pipe(texts, batch_size=batch_size)]

    def _to_note(self, doc: Doc) -> ParsedNote:
        clause_of, clauses = clause_index(doc)
        tokens, token_clause = [], []
        for token in doc:
            if token.is_space or token.is_punct:
                continue
            tokens.append(PREFIX.get(token._.context, "") + token.lower_)
            token_clause.append(clause_of[token.i])
        hits = []
        for match_id, start, end in self.matcher(doc):
            kind, label = doc.vocab.strings[match_id].split("|", 1)
            span = doc[start:end]
            context = PREFIX.get(doc[start]._.context or doc[end - 1]._.context, "")
            hits.append(LexiconHit(label, context, span.start_char, span.end_char,
                                   clause_of[start], kind == "R"))
        return ParsedNote(doc.text, clauses, tuple(tokens), tuple(token_clause), tuple(hits),
                          marked_text(doc))


_CLAUSE_AFTER = {",", ";", ":", "(", ")"}
_CLAUSE_WORDS = {"and", "but", "so", "because", "since", "although", "though", "while", "whereas"}


def clause_index(doc: Doc) -> tuple[dict[int, int], tuple[tuple[int, int], ...]]:
    """The clause of each token, and each clause's character span (trimmed of spaces and punctuation)."""
    clause_of: dict[int, int] = {}
    members: list[list[int]] = []
    for token in doc:
        new = (token.i == 0 or token.is_sent_start or doc[token.i - 1].text in _CLAUSE_AFTER
               or (token.lower_ in _CLAUSE_WORDS and token.i > 0))
        if new or not members:
            members.append([])
        members[-1].append(token.i)
        clause_of[token.i] = len(members) - 1
    spans = []
    for ids in members:
        words = [i for i in ids if not (doc[i].is_space or doc[i].is_punct)] or ids
        if len(words) > 1 and doc[words[0]].lower_ in _CLAUSE_WORDS:
            words = words[1:]
        spans.append((doc[words[0]].idx, doc[words[-1]].idx + len(doc[words[-1]].text)))
    return clause_of, tuple(spans)


MARK_WORDS = {"NEGATED_EXISTENCE": "negated", "HISTORICAL": "past", "HYPOTHETICAL": "hypothetical",
              "OTHER_EXPERIENCER": "someone else"}


def marked_text(doc: Doc) -> str:
    """The note with each run of context-marked tokens wrapped as '[negated: ...]' for the encoder."""
    out, current = [], None
    for token in doc:
        category = token._.context if not (token.is_space or token.is_punct) else current
        if category != current:
            if current is not None:
                out.append("] ")
            if category is not None:
                out.append(f"[{MARK_WORDS[category]}: ")
            current = category
        out.append(token.text_with_ws)
    if current is not None:
        out.append("]")
    return "".join(out)
