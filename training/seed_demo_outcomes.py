"""Build a demo data directory of invented referrals with their outcomes, for the outcomes report.

    python -m training.seed_demo_outcomes --home DIR [--referrals 60] [--seed 7]

Every person, note and organisation is invented. Referrals go through `ReferralDesk.intake` (so the model
reads each note), suggestions are accepted or rejected with `desk.decide`, and contacts, wellbeing and
outcomes are recorded with the desk's own methods; then the referral and its history are moved back to a
day in the last ~10 weeks (intake stamps now). Older referrals are more likely, so that enough people have
reached a follow-up. Demo shortcut: the follow-up wellbeing is taken 6 to 9 weeks after the first contact
rather than the service's 12, so a 10-week demo has changes to show. The numbers are seeded, so the same
seed gives the same directory; rare needs and sources stay under 5, to show the suppression.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from triage.engine import Triage
from triage.outcomes.schemas import ContactCreate, OutcomeCreate, WellbeingCreate
from triage.referrals.desk import ReferralDesk
from triage.referrals.schemas import DecisionCreate, ReferralCreate, StatusChange
from triage.settings import Settings
from triage.store.tables import ReferralEventRow, ReferralRow

log = logging.getLogger("seed_demo_outcomes")
WEEKS = 10
LINK_WORKER, REFERRER = "demo-link-worker", "demo-referrer"
NAMES = ("Doreen", "Maurice", "Aisha", "Tomasz", "Gwen", "Bilal", "Sandra", "Keith", "Priya", "Declan", "Hazel",
         "Imran", "Lorraine", "Vernon", "Agnieszka", "Shaun", "Nadia", "Clifford", "Bernadette", "Femi")
NOTES: dict[str, tuple[str, ...]] = {  # need -> invented note sentences; weights below
    "loneliness": ("{name} lives alone since her husband went into a care home; days go by without speaking to anyone.",
                   "{name} moved to Castlemere last year, knows nobody locally and would like to meet people.",
                   "Rarely leaves the house now his friends have died; would like some company."),
    "mental_health": ("Low mood for several months, poor sleep and no motivation; not in crisis, no thoughts of harm.",
                      "{name} gets anxious leaving the house and has lost confidence since the operation."),
    "debt": ("Behind on council tax and about £600 of rent arrears; bailiff letters are arriving.",
             "Keeps running out on the prepayment meter and cannot keep up with the energy bills."),
    "welfare_benefits": ("Was turned down for PIP and wants help to appeal.",
                         "Universal Credit was stopped after a missed appointment and needs sorting out."),
    "housing": ("Damp and mould in the flat, the landlord is not responding and there is talk of a section 21.",
                "Sofa surfing at a friend's since the tenancy ended."),
    "employment": ("Out of work since the warehouse closed and would like help back into work or training.",
                   "Wants to volunteer to build up confidence before going back to work."),
    "physical_activity": ("Advised to be more active after a health check; would like a gentle exercise group.",
                          "Wants to get fitter and lose some weight but does not like gyms."),
    "food_insecurity": ("Skipping meals so the children can eat; has used the food bank twice this month.",),
    "bereavement": ("{name}'s wife died in the spring and he is finding the grief very hard.",),
    "carer_support": ("Cares full time for her son and is exhausted; has had no break in months.",),
    "substance_use": ("Drinking most days since losing his job and wants to cut down.",),
    "long_term_condition": ("Living with COPD and wants support to manage it from day to day.",),
    "digital_inclusion": ("Has no internet or smartphone and cannot book appointments or manage the claim online.",),
}
NEED_WEIGHTS = {"loneliness": 10, "mental_health": 8, "debt": 6, "welfare_benefits": 4, "housing": 3, "employment": 3,
                "physical_activity": 4, "food_insecurity": 2, "bereavement": 1, "carer_support": 1, "substance_use": 1,
                "long_term_condition": 2, "digital_inclusion": 1}
SOURCES = {  # source -> (weight, invented organisations)
    "gp": (45, ("Castlemere Medical Centre", "Ravensgate Surgery", "Millbrook Health Centre")),
    "pharmacy": (12, ("Millside Pharmacy",)), "hospital": (10, ("Castlemere General Hospital",)),
    "self": (13, ("",)), "housing": (8, ("Castlemere Homes",)), "jobcentre": (8, ("Castlemere Jobcentre",)),
    "fire": (2, ("Castlemere Fire and Rescue",)), "police": (2, ("Castlemere Neighbourhood Policing",)),
}
REJECTIONS = ("two buses away and she does not travel", "already goes to something similar",
              "does not want a group", "wants phone support instead", "costs more than he can manage")
NOT_GOING = {"declined": ("did not want a group after all", "felt too anxious to go", "times clash with caring",
                          "feeling better and does not need it now"),
             "did_not_attend": ("no answer to calls or letters", "missed the first session twice")}


@dataclass(frozen=True)
class Plan:
    """One invented referral: who sent it, when, and the note."""

    created_at: datetime
    source: str
    organisation: str
    text: str


def plan(rng: random.Random, today: date) -> Plan:
    needs = list(NEED_WEIGHTS)
    first = rng.choices(needs, weights=list(NEED_WEIGHTS.values()))[0]
    chosen = [first] + ([rng.choice([n for n in needs if n != first])] if rng.random() < 0.4 else [])
    name = rng.choice(NAMES)
    text = " ".join(rng.choice(NOTES[n]).format(name=name) for n in chosen)
    source = rng.choices(list(SOURCES), weights=[w for w, _ in SOURCES.values()])[0]
    days_ago = int(WEEKS * 7 * rng.random() ** 0.5)  # older referrals more likely
    at = datetime.combine(today - timedelta(days=days_ago), time(rng.randint(8, 16), rng.randint(0, 59)), UTC)
    return Plan(at, source, rng.choice(SOURCES[source][1]), f"{name}, {rng.randint(19, 89)}. {text}")


def review(desk: ReferralDesk, referral_id: str, suggestions: list[str], rng: random.Random) -> list[str]:
    """Accept one or two suggestions (sometimes none), reject one; returns the accepted asset ids."""
    if not suggestions or rng.random() < 0.08:
        desk.change_status(referral_id, StatusChange(status="in_review", reason="reviewed"), actor=LINK_WORKER)
        return []
    accepted = suggestions[:2] if rng.random() < 0.25 and len(suggestions) > 1 else suggestions[:1]
    if len(suggestions) > len(accepted) and rng.random() < 0.5:
        desk.decide(referral_id, DecisionCreate(asset_id=suggestions[len(accepted)], decision="rejected",
                                                reason=rng.choice(REJECTIONS)), actor=LINK_WORKER)
    for asset_id in accepted:
        desk.decide(referral_id, DecisionCreate(asset_id=asset_id, decision="accepted"), actor=LINK_WORKER)
    return accepted


def ons4(rng: random.Random, before: dict[str, int] | None = None) -> dict[str, int]:
    if before is None:
        return {"life_satisfaction": rng.randint(2, 6), "worthwhile": rng.randint(3, 7), "happy": rng.randint(2, 6),
                "anxious": rng.randint(4, 9)}
    moved = {k: v + round(rng.gauss(1.3, 1.6)) for k, v in before.items() if k != "anxious"}
    moved["anxious"] = before["anxious"] - round(rng.gauss(1.1, 1.8))
    return {k: min(max(v, 0), 10) for k, v in moved.items()}


def swemwbs(rng: random.Random, before: list[int] | None = None) -> list[int]:
    if before is None:
        return [rng.randint(1, 4) for _ in range(7)]
    return [min(max(v + rng.choice((0, 0, 1, 1, 1, 2, -1)), 1), 5) for v in before]


def follow(desk: ReferralDesk, referral_id: str, created: date, accepted: list[str], rng: random.Random,
           today: date) -> None:
    """Contacts, wellbeing and outcomes, each only when its day has come."""
    first = created + timedelta(days=max(1, round(rng.gammavariate(2.0, 3.0))))
    if first > today or rng.random() < 0.07:
        return
    contact_days = [first]
    while rng.random() < 0.7 and (nxt := contact_days[-1] + timedelta(days=rng.randint(5, 16))) <= today:
        contact_days.append(nxt)
    for day in contact_days:
        desk.log_contact(referral_id, ContactCreate(on=day, mode=rng.choice(("phone", "phone", "in_person", "video")),
                                                    minutes=rng.choice((15, 20, 30, 45, 60))), actor=LINK_WORKER)
    desk.change_status(referral_id, StatusChange(status="contacted", reason="first contact made"), actor=LINK_WORKER)
    _wellbeing(desk, referral_id, first, rng, today)
    attended = [_outcome(desk, referral_id, asset_id, first, rng, today) for asset_id in accepted]  # record all
    if any(attended):
        desk.change_status(referral_id, StatusChange(status="connected", reason="attending"), actor=LINK_WORKER)


def _wellbeing(desk: ReferralDesk, referral_id: str, first: date, rng: random.Random, today: date) -> None:
    if rng.random() < 0.12:
        return
    scores = ons4(rng)
    items = swemwbs(rng) if rng.random() < 0.75 else None
    desk.record_wellbeing(referral_id, WellbeingCreate(timepoint="first_contact", on=first, ons4=scores, swemwbs=items),
                          actor=LINK_WORKER)
    later = first + timedelta(days=rng.randint(42, 63))
    if later <= today and rng.random() < 0.8:
        desk.record_wellbeing(referral_id, WellbeingCreate(timepoint="follow_up", on=later, ons4=ons4(rng, scores),
                                                           swemwbs=swemwbs(rng, items) if items else None),
                              actor=LINK_WORKER)


def _outcome(desk: ReferralDesk, referral_id: str, asset_id: str, first: date, rng: random.Random, today: date) -> bool:
    """Record how one accepted suggestion went; True when the person attended."""
    steps: list[tuple[str, date, str]] = [("contacted", first + timedelta(days=rng.randint(1, 4)), "")]
    went = rng.random()
    start = steps[0][1] + timedelta(days=rng.randint(3, 10))
    if went < 0.68:
        steps.append(("attended_first", start, ""))
        if rng.random() < 0.7:
            steps.append(("attending_6_weeks", start + timedelta(days=42), ""))
    else:
        stage = "declined" if went < 0.88 else "did_not_attend"
        steps.append((stage, start, rng.choice(NOT_GOING[stage])))
    done = [s for s in steps if s[1] <= today]
    for stage, day, reason in done:
        desk.record_outcome(referral_id, OutcomeCreate(asset_id=asset_id, stage=stage, on=day, reason=reason),
                            actor=LINK_WORKER)
    return any(stage == "attended_first" for stage, _, _ in done)


def backdate(desk: ReferralDesk, referral_id: str, created: datetime) -> None:
    """Move the referral and its history to when it happened: intake and the desk stamp now."""
    with desk.sessions.begin() as session:
        row = session.get(ReferralRow, referral_id)
        events = session.scalars(select(ReferralEventRow).where(ReferralEventRow.referral_id == referral_id)
                                 .order_by(ReferralEventRow.id)).all()
        row.created_at, last_day = created, created
        for k, event in enumerate(events):
            if on := event.data.get("on"):
                event.at = last_day = max(datetime.combine(date.fromisoformat(on), time(12), UTC), created)
            elif event.kind == "status_changed" and last_day > created:
                event.at = last_day + timedelta(hours=1)
            else:
                event.at = created + timedelta(minutes=10 * k)
        row.updated_at = max([created, *(e.at for e in events)])


def seed(home: Path, referrals: int, seed_value: int) -> int:
    settings = Settings(home=home)
    if (home / "triage.db").exists():
        raise SystemExit(f"error: '{home}' already has a database; give an empty or new folder")
    engine = Triage(settings)
    try:
        engine.catalogue  # noqa: B018 - loads the demo asset directory into the new store
        desk, rng, today = ReferralDesk(engine), random.Random(seed_value), datetime.now(UTC).date()
        for i in range(referrals):
            p = plan(rng, today)
            data = ReferralCreate(text=p.text, source=p.source, organisation=p.organisation)
            intake = desk.intake(data, actor=REFERRER, organisation=p.organisation or "self-referral")
            referral = intake.referral
            suggestions = [s.asset_id for s in referral.result.suggestions] if referral.result else []
            if (today - p.created_at.date()).days >= 1:  # reviewed from the day after it came in
                accepted = review(desk, referral.id, suggestions, rng)
                follow(desk, referral.id, p.created_at.date(), accepted, rng, today)
            backdate(desk, referral.id, p.created_at)
            log.info("referral %d/%d: %s", i + 1, referrals, referral.id)
    finally:
        engine.close()
    return referrals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a new data directory")
    parser.add_argument("--referrals", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    count = seed(args.home, args.referrals, args.seed)
    sys.stdout.write(f"{count} invented referrals with outcomes in {args.home}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
