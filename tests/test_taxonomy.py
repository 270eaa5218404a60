import pytest

from triage import taxonomy
from triage.errors import UnknownLabelError

CONTRACT = ["loneliness", "mental_health", "debt", "welfare_benefits", "housing", "employment",
            "physical_activity", "food_insecurity", "bereavement", "carer_support", "substance_use",
            "long_term_condition", "digital_inclusion"]


def test_need_ids_are_the_public_contract():
    assert list(taxonomy.NEED_IDS) == CONTRACT
    assert list(taxonomy.RISK_IDS) == ["self_harm", "harm_from_others"]


def test_every_category_has_a_name_and_definition():
    for category in taxonomy.NEEDS + taxonomy.RISK_FLAGS:
        assert category.name and category.definition.endswith(".")


def test_codes_come_from_known_systems():
    systems = {taxonomy.SNOMED, taxonomy.SDOHCC, taxonomy.ESD_NEEDS}
    for category in taxonomy.NEEDS + taxonomy.RISK_FLAGS:
        for code in category.codes:
            assert code.system in systems and code.code


def test_unknown_id_names_the_valid_ones():
    with pytest.raises(UnknownLabelError, match="valid ids: loneliness"):
        taxonomy.get("lonliness")
