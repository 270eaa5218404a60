"""The directory CSV: validated whole, row-numbered errors, nothing half-written."""

import pytest

from triage.errors import ImportRejected
from triage.matching.directory import COLUMNS, parse_assets_csv, read_assets_csv, write_assets_csv
from triage.settings import DEMO_ASSETS
from triage.taxonomy import NEED_IDS

HEADER = ",".join(COLUMNS)


def row(**values):
    base = {c: "" for c in COLUMNS} | {"id": "a1", "name": "Walk", "description": "A walk."}
    base |= values
    return ",".join(str(base[c]) for c in COLUMNS)


def test_demo_directory_covers_every_need_several_times():
    assets = read_assets_csv(DEMO_ASSETS)
    assert len(assets) >= 60
    for need in NEED_IDS:
        assert sum(need in a.needs for a in assets) >= 5, need


def test_lists_are_semicolon_separated():
    [asset] = parse_assets_csv(HEADER + "\n" + row(needs="loneliness;debt", delivery="phone;online",
                                                   languages="en;PL"))
    assert asset.needs == ["loneliness", "debt"]
    assert asset.delivery == ["phone", "online"] and asset.languages == ["en", "pl"]


def test_bad_rows_are_named_and_reject_the_file():
    text = "\n".join([HEADER, row(id="ok"), row(id="b1", needs="lonliness"),
                      row(id="b2", cost="cheap"), row(id="b3", min_age="70", max_age="20")])
    with pytest.raises(ImportRejected) as caught:
        parse_assets_csv(text, source="dir.csv")
    message = str(caught.value)
    assert "dir.csv row 3: field 'needs'" in message and "lonliness" in message
    assert "dir.csv row 4: field 'cost'" in message
    assert "dir.csv row 5" in message and "min_age 70 is above max_age 20" in message
    assert len(caught.value.errors) == 3


def test_missing_required_column_is_reported():
    with pytest.raises(ImportRejected, match="missing column"):
        parse_assets_csv("id,name\na,b\n")


def test_repeated_id_is_reported():
    with pytest.raises(ImportRejected, match="repeats row 2"):
        parse_assets_csv("\n".join([HEADER, row(id="x"), row(id="x")]))


def test_write_then_read_round_trips():
    assets = read_assets_csv(DEMO_ASSETS)[:10]
    assert parse_assets_csv(write_assets_csv(assets)) == assets
