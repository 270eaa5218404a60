"""Redaction on text written for the tests."""

import logging

import pytest

from triage.nlp.redact import RedactingFilter, Redactor

NOTE = ("Mrs Anita Kowalski (DOB 03/07/1958), NHS no 999 123 4567, lives at Flat 2, 14 Netherfold Road, "
        "Castlemere CX5 2AB. Tel 07700 900123 or 01632 960456, email anita.k@mail.example. "
        "Low mood 3/12. Her son Tomasz visits on Sundays.")


@pytest.fixture(scope="module")
def redactor():
    return Redactor()


@pytest.mark.parametrize("secret", ["Kowalski", "03/07/1958", "999 123 4567", "14 Netherfold Road",
                                    "CX5 2AB", "07700 900123", "01632 960456", "anita.k@mail.example",
                                    "Tomasz"])
def test_identifiers_are_removed(redactor, secret):
    assert secret not in redactor.redact(NOTE)


def test_clinical_content_and_shorthand_survive(redactor):
    out = redactor.redact(NOTE)
    assert "Low mood 3/12" in out and "Castlemere" in out


def test_kinds_are_named(redactor):
    out = redactor.redact(NOTE)
    for kind in ("[NAME]", "[DOB]", "[NHS_NUMBER]", "[ADDRESS]", "[POSTCODE]", "[PHONE]", "[EMAIL]"):
        assert kind in out


def test_log_filter_redacts_messages(caplog):
    logger = logging.getLogger("triage.test.redaction")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="triage.test.redaction"):
        logger.info("referral from %s about %s", "07700 900123", "Mr Ahmed Khan")
    assert "07700" not in caplog.text and "Khan" not in caplog.text
    assert "[PHONE]" in caplog.text and "[NAME]" in caplog.text
