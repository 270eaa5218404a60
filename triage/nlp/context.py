"""A ConText-style component: marks tokens that are negated, historical, hypothetical or another person's.

The rules are data (context_rules.json, after medspaCy's). A modifier phrase opens a scope that runs
forward or backward within its sentence, up to a terminating phrase, another modifier or `max_scope`
tokens. A PSEUDO phrase ('at risk of', 'no money', 'waiting for') looks like a modifier but is not:
any modifier it overlaps is dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Token

RULES_PATH = Path(__file__).with_name("context_rules.json")
CATEGORIES = ("NEGATED_EXISTENCE", "HISTORICAL", "HYPOTHETICAL", "OTHER_EXPERIENCER")
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO")
# When scopes overlap, the first category in this order wins.
PRIORITY = {c: i for i, c in enumerate(CATEGORIES)}


@dataclass(frozen=True)
class ContextRule:
    category: str
    direction: str
    literal: str | None = None
    pattern: list[dict] | None = None
    max_scope: int | None = None
    include_self: bool = False  # the phrase is its own target ('no money worries')


@dataclass(frozen=True)
class Modifier:
    category: str
    start: int  # token offsets of the modifier phrase
    end: int
    scope_start: int
    scope_end: int


def load_rules(path: Path = RULES_PATH) -> list[ContextRule]:
    """Read and validate the rule file; errors name the rule's position and the valid values."""
    raw = json.loads(path.read_text(encoding="utf-8"))["rules"]
    rules = []
    for i, item in enumerate(raw):
        rule = ContextRule(**item)
        if rule.direction not in DIRECTIONS:
            raise ValueError(f"{path} rule {i}: direction '{rule.direction}' not in {DIRECTIONS}")
        if rule.direction not in ("TERMINATE", "PSEUDO") and rule.category not in CATEGORIES:
            raise ValueError(f"{path} rule {i}: category '{rule.category}' not in {CATEGORIES}")
        if (rule.literal is None) == (rule.pattern is None):
            raise ValueError(f"{path} rule {i}: give exactly one of 'literal' or 'pattern'")
        rules.append(rule)
    return rules


class ConTextComponent:
    """Sets doc._.context_modifiers and token._.context (a category or None)."""

    def __init__(self, nlp: Language, rules: list[ContextRule], max_scope: int = 8) -> None:
        self.rules = rules
        self.max_scope = max_scope
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.patterns = Matcher(nlp.vocab)
        self.has_patterns = any(rule.pattern for rule in rules)
        for i, rule in enumerate(rules):
            key = str(i)
            if rule.literal is not None:
                self.phrases.add(key, [nlp.make_doc(rule.literal)])
            else:
                self.patterns.add(key, [rule.pattern])

    def __call__(self, doc: Doc) -> Doc:
        matches = [(self.rules[int(doc.vocab.strings[k])], s, e)
                   for k, s, e in self._match(doc)]
        matches = _keep_longest(_drop_overlapped_by_pseudo(matches))
        doc._.context_modifiers = self._modifiers(doc, matches)
        for token in doc:
            token._.context = None
        for modifier in sorted(doc._.context_modifiers, key=lambda m: -PRIORITY[m.category]):
            for token in doc[modifier.scope_start:modifier.scope_end]:
                token._.context = modifier.category
        return doc

    def _match(self, doc: Doc) -> list[tuple[int, int, int]]:
        found = list(self.phrases(doc))
        return found + list(self.patterns(doc)) if self.has_patterns else found

    def _modifiers(self, doc: Doc, matches: list[tuple[ContextRule, int, int]]) -> list[Modifier]:
        spans = [(s, e) for r, s, e in matches if r.direction != "PSEUDO"]
        modifiers = []
        for rule, start, end in matches:
            if rule.direction in ("TERMINATE", "PSEUDO"):
                continue
            if rule.include_self:
                modifiers.append(Modifier(rule.category, start, end, start, end))
            others = [(s, e) for s, e in spans if e <= start or s >= end]
            sent = doc[start].sent
            limit = rule.max_scope or self.max_scope
            if rule.direction in ("FORWARD", "BIDIRECTIONAL"):
                stop = min([s for s, _ in others if s >= end] + [sent.end, end + limit])
                if stop > end:
                    modifiers.append(Modifier(rule.category, start, end, end, stop))
            if rule.direction in ("BACKWARD", "BIDIRECTIONAL"):
                begin = max([e for _, e in others if e <= start] + [sent.start, start - limit])
                if begin < start:
                    modifiers.append(Modifier(rule.category, start, end, begin, start))
        return modifiers


def _keep_longest(matches: list[tuple[ContextRule, int, int]]) -> list:
    """Drop a match that lies inside a longer one ('now' inside 'now resolved')."""
    return [(r, s, e) for r, s, e in matches
            if not any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for _, s2, e2 in matches)]


def _drop_overlapped_by_pseudo(matches: list[tuple[ContextRule, int, int]]) -> list:
    pseudo = [(s, e) for r, s, e in matches if r.direction == "PSEUDO"]
    kept = []
    for rule, start, end in matches:
        covered = any(ps <= start and end <= pe for ps, pe in pseudo)
        if rule.direction == "PSEUDO" or not covered:
            kept.append((rule, start, end))
    return kept


@Language.factory("triage_context", default_config={"max_scope": 8, "rules_path": None})
def make_context(nlp: Language, name: str, max_scope: int, rules_path: str | None) -> ConTextComponent:
    Doc.set_extension("context_modifiers", default=(), force=True)
    Token.set_extension("context", default=None, force=True)
    rules = load_rules(Path(rules_path) if rules_path else RULES_PATH)
    return ConTextComponent(nlp, rules, max_scope=max_scope)
