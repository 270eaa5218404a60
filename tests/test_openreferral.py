"""Open Referral UK (HSDS 3.0) import and export, tested on the standards' own examples and mocks."""

import json
import uuid
from pathlib import Path

import pytest

from triage.errors import ImportRejected, InputError
from triage.matching.directory import read_assets_csv
from triage.matching.openreferral import parse_openreferral, read_openreferral, write_openreferral
from triage.matching.openreferral_vocab import NEED_PATTERNS
from triage.schemas import Asset
from triage.settings import DEMO_ASSETS
from triage.taxonomy import NEED_IDS, get

FIXTURES = Path(__file__).parent / "fixtures" / "openreferral"
DEFAULT = FIXTURES / "oruk-validator-mocks" / "V3.0-UK-Default"
FAIL = FIXTURES / "oruk-validator-mocks" / "V3.0-UK-Fail"
HSDS = FIXTURES / "hsds-3.0" / "examples"
ORUK = FIXTURES / "oruk-profile" / "examples"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"


def service(**fields):
    return {"id": "s1", "name": "Walk", "status": "active", "description": "A walk."} | fields


def one(record, source="test"):
    [asset] = (result := parse_openreferral(record, source=source)).assets
    return asset, [str(w) for w in result.warnings]


def term(name, taxonomy="esd"):
    return {"id": name, "taxonomy_term": {"id": name, "name": name, "description": name, "taxonomy": taxonomy}}


def rejected(data) -> str:
    with pytest.raises(ImportRejected) as caught:
        parse_openreferral(data, source="feed.json")
    assert all(isinstance(e, InputError) for e in caught.value.errors)
    return str(caught.value)


# --- the standards' files import -------------------------------------------------------------------

def test_default_service_full_imports_with_its_fields():
    result = read_openreferral(DEFAULT / "service_full.json")
    [asset] = result.assets
    assert asset.id == SERVICE_ID and asset.name == "Community Counselling"
    assert asset.organisation == "Example Organization Inc."
    assert asset.description.startswith("Counselling Services provided") and asset.description[-1] == "."
    assert (asset.min_age, asset.max_age, asset.cost) == (12, 100, "paid")
    assert asset.url == "http://example.com/counselling" and asset.contact == "email@example.com"
    assert asset.postcode == "ABC 1234" and asset.latitude is None and asset.longitude is None
    assert asset.delivery == ["in_person", "online"]  # a physical location; attending_type names video
    assert asset.schedule.startswith("Thu, Fri 10:00-18:00: The service is available from 10 am")
    assert asset.needs == [] and asset.languages == [] and not asset.needs_inferred


@pytest.mark.parametrize("name", ["service_full.json", "service_list.json", "organization.json",
                                  "service_at_location_full.json", "service_at_location_list.json"])
def test_every_default_service_file_imports(name):
    [asset] = read_openreferral(DEFAULT / name).assets
    assert asset.id == SERVICE_ID and asset.organisation == "Example Organization Inc."


@pytest.mark.parametrize("path", [HSDS / "service_full.json", HSDS / "service_list.json", HSDS / "csv",
                                  HSDS / "csv" / "datapackage.json", ORUK / "service_full.json",
                                  ORUK / "service_list.json", ORUK / "csv", ORUK / "csv" / "services.csv"])
def test_hsds_and_oruk_examples_import(path):
    [asset] = read_openreferral(path).assets
    assert (asset.id, asset.name, asset.min_age, asset.max_age) == (SERVICE_ID, "Community Counselling", 12, 100)
    assert asset.organisation == "Example Organization Inc." and asset.url == "http://example.com/counselling"


def test_hsds_csv_package_gives_the_same_asset_as_its_json():
    [from_json] = read_openreferral(HSDS / "service_full.json").assets
    [from_csv] = read_openreferral(HSDS / "csv").assets
    assert from_csv == from_json
    assert from_json.contact == "+44 1234 234567 ext. 100; email@example.com"  # quotes stripped
    assert from_json.languages == ["ur"] and from_json.postcode == "ABC 1234"


def test_oruk_csv_joins_phones_through_contacts_and_reads_both_schedule_files():
    result = read_openreferral(ORUK / "csv")
    [asset] = result.assets
    assert asset.contact == "+44 1234 234567; email@example.com"
    assert asset.schedule.count("Thu, Fri") == 1  # schedule.csv and schedules.csv hold the same row
    assert any("services.csv row 2: field 'service_at_locations[0].location.latitude'" in str(w)
               for w in result.warnings)


def test_import_reports_what_it_could_not_carry():
    warnings = [str(w) for w in read_openreferral(DEFAULT / "service_full.json").warnings]
    assert any("fields not carried into assets" in w and "accreditations" in w for w in warnings)
    assert any("languages by id only" in w for w in warnings)
    assert any("field 'email': 'email@example.com' is at a documentation domain" in w for w in warnings)


def test_a_page_of_many_pages_is_reported():
    warnings = [str(w) for w in read_openreferral(HSDS / "service_list.json").warnings]
    assert any("page 1 of 10" in w for w in warnings)


# --- invalid records reject the import --------------------------------------------------------------

def test_every_fail_record_is_rejected_with_the_field_named():
    path = FAIL / "service_list.json"
    with pytest.raises(ImportRejected) as caught:
        read_openreferral(path)
    message = str(caught.value)
    for i in range(4):
        assert f"{path} contents[{i}]: field 'name': is required" in message
    for i in range(3):
        assert f"contents[{i}]: field 'url': not a valid URL" in message
    assert "contents[0]: field 'email': not a valid email address (got 'email-example_com')" in message
    assert "contents[2]: field 'email': expected a string (got False)" in message
    assert "contents[3]: field 'email': expected a string (got 12345)" in message
    assert len(caught.value.errors) == 11


def test_fail_service_full_is_rejected_with_url_and_email():
    with pytest.raises(ImportRejected) as caught:
        read_openreferral(FAIL / "service_full.json")
    fields = sorted(e.problem.split("'")[1] for e in caught.value.errors)
    assert fields == ["email", "url"]


def test_one_bad_record_rejects_the_whole_page():
    page = {"total_items": 2, "contents": [service(id="good"), service(id="bad", email="not-an-email")]}
    message = rejected(page)
    assert "feed.json contents[1]: field 'email': not a valid email address (got 'not-an-email')" in message
    assert "contents[0]" not in message


@pytest.mark.parametrize(("fields", "expected"), [
    ({"status": None}, "field 'status': is required"),
    ({"status": "open"}, "field 'status': must be one of active, inactive, defunct, temporarily closed"),
    ({"minimum_age": 12.5}, "field 'minimum_age': must be a whole number of years from 0 to 120"),
    ({"maximum_age": 150}, "field 'maximum_age': must be a whole number of years from 0 to 120"),
    ({"minimum_age": 70, "maximum_age": 20}, "field 'minimum_age': 70 is above maximum_age 20"),
    ({"minimum_age": "12"}, "field 'minimum_age': expected a number (got '12')"),
    ({"languages": "en"}, "field 'languages': expected a list of objects (got 'en')"),
    ({"organization": "Age UK"}, "field 'organization': expected an object (got 'Age UK')"),
    ({"service_at_locations": [{"location": {"location_type": "spaceship"}}]},
     "field 'service_at_locations[0].location.location_type': must be one of physical, postal, virtual"),
    ({"service_at_locations": [{"location": {"location_type": "physical", "latitude": "53.7"}}]},
     "field 'service_at_locations[0].location.latitude': expected a number (got '53.7')"),
    ({"url": "www.example.org"}, "field 'url': not a valid URL"),
    ({"id": 7}, "field 'id': expected a string (got 7)"),
])
def test_bad_values_are_errors_naming_the_field(fields, expected):
    assert f"feed.json: {expected}" in rejected(service(**fields))


def test_a_value_that_is_not_a_service_is_rejected():
    assert "feed.json [0]: expected a service object (got 'walk')" in rejected(["walk"])
    assert "an organization without 'services'" in rejected({"contents": [{"id": "o1", "website": "http://a.b"}]})


def test_malformed_json_names_the_file_line_and_column(tmp_path):
    path = tmp_path / "services.json"
    path.write_text('{"contents": [\n  {"id": "a",}\n]}')
    with pytest.raises(ImportRejected) as caught:
        read_openreferral(path)
    [error] = caught.value.errors
    assert error.where == f"{path} line 2 column 14" and error.problem.startswith("not valid JSON")


def test_csv_bad_number_names_the_file_row_and_field(tmp_path):
    (tmp_path / "services.csv").write_text("id,name,status\ns1,Walk,active\n")
    (tmp_path / "locations.csv").write_text("id,location_type,latitude,longitude\nl1,physical,north,1\n")
    with pytest.raises(ImportRejected) as caught:
        read_openreferral(tmp_path)
    [error] = caught.value.errors
    assert error.where == f"{tmp_path} locations.csv row 2"
    assert error.problem == "field 'latitude': not a number (got 'north')"


def test_a_folder_without_services_csv_is_rejected(tmp_path):
    with pytest.raises(ImportRejected, match=r"no services\.csv"):
        read_openreferral(tmp_path)


# --- duplicates, placeholders and doubtful values -----------------------------------------------------

def test_128_copies_of_one_id_become_one_asset_with_a_warning():
    result = read_openreferral(FIXTURES / "oruk-validator-mocks" / "V3.0-UK-Test" / "service_list.json")
    [asset] = result.assets
    assert asset.id == SERVICE_ID and asset.description.startswith("Counselling")
    [merged] = [str(w) for w in result.warnings if "appears" in str(w)]
    assert f"id '{SERVICE_ID}' appears 128 times" in merged and "the copies differ in" in merged
    assert any("total_items is 31 but contents holds 128" in str(w) for w in result.warnings)


def test_identical_copies_are_merged_and_said_to_be_identical():
    result = parse_openreferral([service(), service()], source="feed.json")
    assert len(result.assets) == 1
    assert any("appears 2 times" in str(w) and "the copies are identical" in str(w) for w in result.warnings)


def test_the_newest_copy_of_a_duplicate_is_kept():
    old = service(description="Old text.", last_modified="2023-01-01T00:00:00Z")
    new = service(description="New text.", last_modified="2024-01-01T00:00:00Z")
    [asset] = parse_openreferral([old, new], source="feed.json").assets
    assert asset.description == "New text."


def test_impossible_coordinates_are_left_out_with_a_warning():
    result = read_openreferral(DEFAULT / "service_full.json")
    assert result.assets[0].latitude is None and result.assets[0].postcode == "ABC 1234"
    assert any("field 'service_at_locations[0].location.latitude': impossible coordinates (100, 101)" in str(w)
               for w in result.warnings)


@pytest.mark.parametrize(("location", "kept"), [
    ({"latitude": 53.72, "longitude": -1.93}, (53.72, -1.93)),
    ({"latitude": 0, "longitude": 0}, (None, None)),
    ({"latitude": 53.72}, (None, None)),
    ({"latitude": -91, "longitude": 0.5}, (None, None)),
])
def test_coordinates_are_kept_only_when_possible(location, kept):
    record = service(service_at_locations=[{"id": "x", "location": {"id": "l", "location_type": "physical"}
                                            | location}])
    asset, warnings = one(record)
    assert (asset.latitude, asset.longitude) == kept
    assert any("location.latitude" in w for w in warnings) == (kept == (None, None))


def test_placeholder_fees_are_left_out_with_a_warning():
    result = read_openreferral(DEFAULT / "service_list.json")
    assert result.assets[0].cost is None
    assert any("field 'fees': placeholder value 'fees_description' left out" in str(w) for w in result.warnings)


def test_a_service_without_description_borrows_its_name():
    asset, warnings = one(service(description=None))
    assert asset.description == "Walk"
    assert "test: field 'description': missing; the service name is used as its description" in warnings


def test_an_inactive_service_is_left_out_with_a_warning():
    result = parse_openreferral([service(id="a"), service(id="b", status="defunct")], source="feed.json")
    assert [a.id for a in result.assets] == ["a"] and result.withdrawn == ["b"]
    assert any(str(w).startswith("feed.json [1]: field 'status': 'defunct', so not imported")
               for w in result.warnings)


# --- mapping ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "needs"), [
    ("Mental Health Support", ["mental_health"]), ("Debt advice", ["debt"]), ("Food banks", ["food_insecurity"]),
    ("Homelessness", ["housing"]), ("Employment and jobs", ["employment"]), ("Bereavement", ["bereavement"]),
    ("Carers", ["carer_support"]), ("Befriending", ["loneliness"]), ("Social isolation", ["loneliness"]),
    ("Exercise classes", ["physical_activity"]), ("Digital skills", ["digital_inclusion"]),
    ("Drug and alcohol services", ["substance_use"]), ("Welfare benefits", ["welfare_benefits"]),
    ("Diabetes", ["long_term_condition"]), ("Community centre", []), ("name", []),
])
def test_taxonomy_terms_map_to_needs_when_they_clearly_match(name, needs):
    asset, _ = one(service(attributes=[term(name)]))
    assert asset.needs == needs and not asset.needs_inferred


def test_every_need_has_a_keyword_pattern():
    assert set(NEED_PATTERNS) == set(NEED_IDS)


def test_languages_come_from_codes_or_names():
    languages = [{"id": "1", "code": "URD"}, {"id": "2", "name": "Polish"}, {"id": "3", "code": "en-GB"},
                 {"id": "4", "name": "Klingon"}, {"id": "5", "code": "ur"}]
    asset, warnings = one(service(languages=languages))
    assert asset.languages == ["ur", "pl", "en"]
    assert any("field 'languages[3].name': unknown language 'Klingon'" in w for w in warnings)


@pytest.mark.parametrize(("fields", "cost"), [
    ({"cost_options": [{"id": "c", "amount": 0}]}, "free"),
    ({"cost_options": [{"id": "c", "amount": 3.5}, {"id": "d", "amount": 40}]}, "low"),
    ({"cost_options": [{"id": "c", "amount": 35}]}, "paid"),
    ({"cost_options": [{"id": "c", "amount_description": "Free of charge"}]}, "free"),
    ({"fees_description": "We charge £50 per hour."}, "paid"),
    ({"fees": "Low cost: pay what you can"}, "low"),
    ({}, None),
])
def test_cost_comes_from_amounts_then_wording(fields, cost):
    assert one(service(**fields))[0].cost == cost


def test_delivery_comes_from_locations_and_clear_wording():
    record = service(description="A telephone helpline for carers.",
                     service_at_locations=[{"id": "v", "location": {"id": "l", "location_type": "virtual"}}])
    assert one(record)[0].delivery == ["online", "phone"]
    assert one(service(description="Book online, then come along."))[0].delivery == []


def test_schedule_is_readable_text():
    schedules = [{"id": "1", "byday": "MO,WE", "opens_at": "09:30:00", "closes_at": "12:00:00"},
                 {"id": "2", "freq": "MONTHLY", "byday": "1SA", "description": "Family day"}]
    assert one(service(schedules=schedules))[0].schedule == "Mon, Wed 09:30-12:00; 1st Sat: Family day"


def test_ages_come_from_eligibility_wording_when_not_given():
    assert one(service(eligibility_description="For people aged 12 and over"))[0].min_age == 12
    asset, _ = one(service(eligibility_description="Young carers aged 8 to 18", minimum_age=10))
    assert (asset.min_age, asset.max_age) == (10, None)


# --- export and round trip -----------------------------------------------------------------------------

ASSETS = [
    Asset(id="walk-1", name="Health Walk", organisation="Active Town", description="Gentle walks.",
          needs=["physical_activity", "loneliness"], latitude=53.7248, longitude=-1.9327, postcode="CX6 4HT",
          min_age=18, cost="free", delivery=["in_person"], languages=["en", "pl"],
          contact="01632 960114; walks@activetown.example", url="https://activetown.example/walks",
          schedule="Mondays 10:00"),
    Asset(id=str(uuid.UUID(int=7)), name="Debt Line", description="Debt advice by phone and online.",
          needs=["debt"], needs_inferred=True, max_age=120, cost="low", delivery=["phone", "online"],
          contact="help@debtline.example"),
    Asset(id="pantry", name="Pantry", description="Low cost food.", postcode="CX1 1AA", cost="paid",
          contact="01632 960000", languages=["so", "bfi"]),
    Asset(id="x" * 200, name="Drop in", description="Ask at reception.", contact="Ask for Sue at reception"),
]


def test_export_is_an_oruk_services_page():
    page = write_openreferral(ASSETS[:1])
    assert {k: page[k] for k in ("total_items", "total_pages", "page_number", "size", "first_page",
                                 "last_page", "empty")} == {"total_items": 1, "total_pages": 1, "page_number": 1,
                                                            "size": 1, "first_page": True, "last_page": True,
                                                            "empty": False}
    [record] = page["contents"]
    assert uuid.UUID(record["id"]) and record["status"] == "active" and record["name"] == "Health Walk"
    assert record["email"] == "walks@activetown.example" and record["minimum_age"] == 18
    assert record["organization"]["name"] == "Active Town"
    location = record["service_at_locations"][0]["location"]
    assert (location["latitude"], location["longitude"]) == (53.7248, -1.9327)
    assert location["addresses"][0]["postal_code"] == "CX6 4HT"
    assert [lang["code"] for lang in record["languages"]] == ["en", "pl"]
    assert record["cost_options"][0]["amount"] == 0 and record["schedules"] == [
        {"id": record["schedules"][0]["id"], "description": "Mondays 10:00"}]
    needs = [a["taxonomy_term"] for a in record["attributes"] if a["taxonomy_term"]["taxonomy"] == "triage-needs"]
    assert [t["name"] for t in needs] == [get("physical_activity").name, get("loneliness").name]


def test_export_ids_are_stable_uuids_and_uuid_ids_are_kept():
    first, second = write_openreferral(ASSETS[:2])["contents"]
    assert first["id"] == write_openreferral(ASSETS[:1])["contents"][0]["id"] != "walk-1"
    assert second["id"] == ASSETS[1].id


def test_write_then_read_gives_back_the_same_assets():
    page = json.loads(json.dumps(write_openreferral(ASSETS)))
    result = parse_openreferral(page, source="page")
    assert result.assets == ASSETS and result.warnings == []


def test_the_demo_directory_round_trips_through_a_file(tmp_path):
    assets = read_assets_csv(DEMO_ASSETS)
    path = tmp_path / "services.json"
    path.write_text(json.dumps(write_openreferral(assets)))
    result = read_openreferral(path)
    assert result.assets == assets and result.warnings == []


def test_an_empty_export_is_an_empty_page():
    page = write_openreferral([])
    assert page["empty"] and page["contents"] == [] and parse_openreferral(page, source="p").assets == []


def test_a_triage_id_that_does_not_belong_to_the_service_id_is_not_trusted():
    record = write_openreferral(ASSETS[:1])["contents"][0] | {"id": str(uuid.UUID(int=9))}
    asset, warnings = one(record)
    assert asset.id == str(uuid.UUID(int=9))
    assert any("triage asset id 'walk-1' does not belong to id" in w for w in warnings)


@pytest.mark.parametrize(("wording", "ages"), [
    ("aged 12 and over", (12, None)), ("18+", (18, None)), ("ages 8 to 12", (8, 12)),
    ("16-25 year-olds", (16, 25)), ("aged under 25", (None, 24)), ("For over 50s", (50, None)),
    ("1 to 1 support for adults", (None, None)), ("Parents and carers of children under 5", (None, None)),
    ("people with 2-3 long-term conditions", (None, None)), ("Year 7 to 11 pupils", (None, None)),
])
def test_eligibility_wording_gives_ages_only_when_it_speaks_of_ages(wording, ages):
    from triage.matching.openreferral_vocab import ages_in

    assert ages_in(wording) == ages
