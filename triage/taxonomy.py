"""The needs and risk flags: ids, names, definitions and standard codes.

The ids are a public contract shared by the API, the CLI, the asset directory and every data set.
Codes come from the sources named in the labelling guide; a field is empty where no code was verified.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SNOMED = "http://snomed.info/sct"
SDOHCC = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
ESD_NEEDS = "https://standards.esd.org.uk/?uri=list/needs"


@dataclass(frozen=True)
class Code:
    system: str
    code: str
    display: str


@dataclass(frozen=True)
class Category:
    """A need or a risk flag: one row of the taxonomy."""

    id: str
    name: str
    definition: str
    kind: str  # "need" or "risk"
    snomed: tuple[Code, ...] = field(default=())
    gravity: tuple[Code, ...] = field(default=())
    esd: tuple[Code, ...] = field(default=())

    @property
    def codes(self) -> tuple[Code, ...]:
        return self.snomed + self.gravity + self.esd


def _sct(code: str, display: str) -> Code:
    return Code(SNOMED, code, display)


def _grav(code: str) -> Code:
    return Code(SDOHCC, code, code.replace("-", " ").title())


NEEDS: tuple[Category, ...] = (
    Category("loneliness", "Loneliness and isolation",
             "Social isolation or lack of social contact.", "need",
             snomed=(_sct("422650009", "Social isolation"),), gravity=(_grav("social-connection"),),
             esd=(Code(ESD_NEEDS, "69", "Social inclusion"),)),
    Category("mental_health", "Mental wellbeing",
             "Low mood, anxiety, stress or low confidence, short of a crisis.", "need",
             snomed=(_sct("366979004", "Low mood"), _sct("73595000", "Stress")),
             gravity=(_grav("stress"),)),
    Category("debt", "Debt and money",
             "Debts, arrears, unpaid bills, money management, fuel poverty or financial hardship.", "need",
             snomed=(_sct("1184702004", "Financial insecurity"),),
             gravity=(_grav("financial-insecurity"), _grav("utility-insecurity"))),
    Category("welfare_benefits", "Welfare benefits",
             "Help claiming, appealing or keeping benefits.", "need",
             gravity=(_grav("financial-insecurity"),)),
    Category("housing", "Housing",
             "Homelessness or its risk, eviction, poor or unsuitable housing, adaptations or rehousing.",
             "need",
             gravity=(_grav("housing-instability"), _grav("inadequate-housing"), _grav("homelessness"))),
    Category("employment", "Work, training and volunteering",
             "Out of work and wanting work, return to work, training, education or volunteering "
             "as a route to work.", "need",
             snomed=(_sct("73438004", "Unemployed"),),
             gravity=(_grav("employment-status"), _grav("educational-attainment"))),
    Category("physical_activity", "Physical activity",
             "Inactivity, wanting to get fitter, weight management or lifestyle change.", "need",
             snomed=(_sct("40979000", "Lack of physical exercise"),)),
    Category("food_insecurity", "Food",
             "Cannot afford food, skipping meals or relying on a food bank.", "need",
             snomed=(_sct("733423003", "Food insecurity"),), gravity=(_grav("food-insecurity"),)),
    Category("bereavement", "Bereavement", "Grief after a death.", "need"),
    Category("carer_support", "Carer support",
             "An unpaid carer under strain who needs respite or carer support.", "need",
             snomed=(_sct("407542009", "Informal caregiver"),)),
    Category("substance_use", "Alcohol, drugs and gambling",
             "Harm from alcohol, drugs or gambling.", "need"),
    Category("long_term_condition", "Living with a long-term condition",
             "Support to self-manage a long-term condition beyond medical care.", "need"),
    Category("digital_inclusion", "Getting online",
             "No internet, no device or no digital skills, where that blocks access.", "need",
             gravity=(_grav("digital-access"), _grav("digital-literacy"))),
)

RISK_FLAGS: tuple[Category, ...] = (
    Category("self_harm", "Risk of self-harm or suicide",
             "Suicidal thoughts, plans or attempts, or self-harm, including relevant past attempts.",
             "risk",
             snomed=(_sct("225444004", "At risk for suicide"),
                     _sct("248062006", "Self-injurious behaviour"))),
    Category("harm_from_others", "Risk of harm from others",
             "Domestic abuse, coercive control, violence, exploitation, financial abuse, neglect or a "
             "safeguarding concern for a child or an adult at risk.", "risk",
             snomed=(_sct("417430008", "Vulnerable adult"),),
             gravity=(_grav("intimate-partner-violence"), _grav("elder-abuse"))),
)

NEED_IDS: tuple[str, ...] = tuple(c.id for c in NEEDS)
RISK_IDS: tuple[str, ...] = tuple(c.id for c in RISK_FLAGS)
LABELS: tuple[str, ...] = NEED_IDS + RISK_IDS
SOCIAL_PRESCRIBING_REFERRAL = _sct("871731000000106", "Referral to social prescribing service")

_BY_ID = {c.id: c for c in NEEDS + RISK_FLAGS}


def get(category_id: str) -> Category:
    """The need or risk flag with this id; raises UnknownLabelError naming the valid ids."""
    from triage.errors import UnknownLabelError

    try:
        return _BY_ID[category_id]
    except KeyError:
        raise UnknownLabelError(category_id, LABELS) from None
