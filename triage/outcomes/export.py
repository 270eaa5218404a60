"""The evaluators' export: one row per accepted suggestion (or one per referral with none), de-identified.

How each referral is de-identified:

- **No referral id.** It is replaced by a pseudonymous key: the first 12 hex characters of
  HMAC-SHA256(salt, referral id). Without the salt the key cannot be traced back to a referral, nor made
  from a guessed id; with the same salt a referral always gets the same key, so its rows (and the rows of a
  later export) link up. Keep the salt secret and apart from the export; change it to stop that linkage.
- **No exact dates.** The referral is dated by its month (YYYY-MM); every other time is a number of days
  from the referral (to first contact), which gives no day of the month.
- **No text.** Not the note, not the reasons given for declining, not the referrer's details.
- **No people or places.** No names, age, date of birth, location, language, referrer or referring
  organisation: the source is kept only as a type from a fixed list (gp, pharmacy, ...), and anything else
  becomes 'other', so a source typed as an organisation's name does not get through.
- Needs, asset ids and stages come from fixed lists (the taxonomy, the asset directory, the outcome stages);
  wellbeing is numbers only: the ONS4 answers and SWEMWBS metric scores, at first contact and follow-up.

This is pseudonymised data, not anonymous data: the rows are still about people, and a rare combination (a
small source, a quiet month, an unusual need) could point to one person. Share it under a data sharing
agreement, not openly, and apply small-number suppression to anything published from it.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Sequence
from datetime import UTC, date

from triage.errors import InputError
from triage.outcomes.records import ReferralOutcomes, Wellbeing
from triage.outcomes.report import SOURCE_NAMES, check_period, load_period
from triage.outcomes.scoring import ONS4_ITEMS, swemwbs_metric
from triage.settings import Settings
from triage.taxonomy import NEED_IDS

KEY_CHARS = 12
MIN_SALT_BYTES = 16
TIMEPOINTS = ("first_contact", "follow_up")
STAGE_RANK = {"contacted": 1, "declined": 2, "did_not_attend": 2, "attended_first": 3, "attending_6_weeks": 4}
COLUMNS: tuple[str, ...] = (
    "referral_key", "referral_month", "source", "needs", "asset_id", "furthest_stage", "days_to_first_contact",
    "contacts", *(f"ons4_{item}_{tp}" for tp in TIMEPOINTS for item in ONS4_ITEMS),
    *(f"swemwbs_{tp}" for tp in TIMEPOINTS))
Row = dict[str, str | int | float]


def referral_key(referral_id: str, salt: bytes) -> str:
    return hmac.new(salt, referral_id.encode("utf-8"), hashlib.sha256).hexdigest()[:KEY_CHARS]


def _salt(salt: str | bytes) -> bytes:
    secret = salt.encode("utf-8") if isinstance(salt, str) else salt
    if len(secret) < MIN_SALT_BYTES:
        raise InputError("salt", f"the salt is {len(secret)} bytes; give a secret of at least {MIN_SALT_BYTES}, e.g. "
                                 "from `python -c 'import secrets; print(secrets.token_hex(32))'`, and keep it")
    return secret


def deidentified_rows(outcomes: Sequence[ReferralOutcomes], *, salt: str | bytes) -> list[Row]:
    """The rows of `outcomes`, in their order, with the columns of COLUMNS (blank where nothing is known)."""
    secret = _salt(salt)
    rows: list[Row] = []
    for o in outcomes:
        person = _person(o, secret)
        for asset_id in [a.asset_id for a in o.accepted] or [""]:
            rows.append({**person, "asset_id": asset_id, "furthest_stage": _furthest(o, asset_id) if asset_id else "",
                         **_scores(o)})
    return [{column: row[column] for column in COLUMNS} for row in rows]


def _person(o: ReferralOutcomes, secret: bytes) -> Row:
    received = o.created_at.astimezone(UTC).date()
    first = o.first_contact_on
    return {"referral_key": referral_key(o.referral_id, secret), "referral_month": received.strftime("%Y-%m"),
            "source": o.source if o.source in SOURCE_NAMES else "other",
            "needs": ";".join(n for n in dict.fromkeys(o.needs) if n in NEED_IDS),
            "days_to_first_contact": max((first - received).days, 0) if first else "",
            "contacts": len(o.contacts)}


def _furthest(o: ReferralOutcomes, asset_id: str) -> str:
    """The furthest stage reached with the asset; of equal ones, the latest recorded."""
    stages = [(STAGE_RANK.get(s.stage, 0), i, s.stage) for i, s in enumerate(o.stages) if s.asset_id == asset_id]
    return max(stages)[2] if stages else ""


def _scores(o: ReferralOutcomes) -> Row:
    row: Row = {}
    for tp in TIMEPOINTS:
        found: Wellbeing | None = o.wellbeing_at(tp)
        for item in ONS4_ITEMS:
            row[f"ons4_{item}_{tp}"] = found.ons4.get(item, "") if found else ""
        row[f"swemwbs_{tp}"] = swemwbs_metric(found.swemwbs) if found and found.swemwbs else ""
    return row


def write_csv(rows: Sequence[Row]) -> str:
    """The rows as CSV text with a header line, columns in the order of COLUMNS."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def export_csv(settings: Settings, *, start: date, end: date, salt: str | bytes,
               organisation: str | None = None) -> str:
    """The de-identified CSV of referrals received from `start` to `end` (both included)."""
    check_period(start, end)
    secret = _salt(salt)  # refuse a weak salt before opening the database
    outcomes, _names = load_period(settings, start=start, end=end, organisation=organisation)
    return write_csv(deidentified_rows(outcomes, salt=secret))


def installation_salt(settings: Settings) -> bytes:
    """TRIAGE_EXPORT_SALT if set; else a random secret made once and kept in the data directory (mode 600),
    so one installation's exports share keys and nobody without the file can recompute them."""
    import os
    import secrets

    if settings.export_salt:
        return _salt(settings.export_salt)
    settings.ensure_home()
    path = settings.home / "export-salt"
    if not path.exists():
        tmp = path.with_name(f"export-salt.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)  # atomic, and fails if another process made it first: theirs is kept
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return _salt(path.read_text().strip())
