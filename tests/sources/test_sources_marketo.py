"""Marketo Bulk Activity Extract and REST activities with email activity types."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from campaign_perf.errors import SchemaError
from campaign_perf.sources import detect_source, read_source

from ._fixtures import event_rows, ts

HEADER = (
    "marketoGUID,leadId,activityDate,activityTypeId,campaignId,"
    "primaryAttributeValueId,primaryAttributeValue,attributes"
)
BULK_ROWS = [
    '1001,501,2024-03-01T10:00:00Z,6,77,3001,Newsletter March,"{""Campaign Run ID"":""12"",'
    '""Step ID"":""3"",""Choice Number"":""0""}"',
    '1002,501,2024-03-01T10:00:05Z,7,77,3001,Newsletter March,"{""Step ID"":""3""}"',
    '1003,502,2024-03-01T10:00:06Z,8,77,3001,Newsletter March,"{""Category"":""2"",'
    '""Subcategory"":""1001"",""Details"":""550 user unknown""}"',
    '1004,503,2024-03-01T10:00:07Z,8,77,3001,Newsletter March,"{""Category"":""3"",'
    '""Details"":""452 mailbox full""}"',
    '1005,504,2024-03-01T10:00:08Z,27,77,3001,Newsletter March,"{""Category"":""4""}"',
    '1006,501,2024-03-01T11:00:00Z,10,77,3001,Newsletter March,"{""Is Bot Activity"":""true"",'
    '""Bot Activity Pattern"":""Proximity Pattern""}"',
    "1007,501,2024-03-01T11:00:01Z,11,77,3001,Newsletter March,"
    '"{""Link"":""https://example.com/spring?utm_source=marketo"",""Is Bot Activity"":false}"',
    "1008,501,2024-03-01T11:05:00Z,9,77,3001,Newsletter March,null",
    '1009,505,2024-03-01T12:00:00Z,10,null,null,null,"{""Is Bot Activity"":true}"',
    '1010,506,2024-03-01T12:00:00Z,12,null,506,null,"{""Source Type"":""List import""}"',
    '1011,506,2024-03-01T12:00:01Z,13,null,34,Email Address,"{""New Value"":""x""}"',
    "1012,507,not a date,10,77,3001,Newsletter March,null",
    "1013,508,2024-03-01T12:00:00Z,abc,77,3001,Newsletter March,null",
    "1014,509,2024-03-01T12:00:00Z,11,77,3001,Newsletter March,{not json",
    "1015,510,,6,77,3001,Newsletter March,null",
]
SPRING = "https://example.com/spring?utm_source=marketo"


def _bulk_file(tmp_path: Path, rows: list[str], name: str = "extract.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_bulk_email_activities(tmp_path: Path) -> None:
    path = _bulk_file(tmp_path, BULK_ROWS)
    assert detect_source(path) == "marketo_bulk"
    data = read_source(path)
    key = ("77", "3001")
    assert event_rows(data.events) == [
        ("sent", ts("2024-03-01T10:00:00Z"), *key, "501", None, False, "1001"),
        ("delivered", ts("2024-03-01T10:00:05Z"), *key, "501", None, False, "1002"),
        ("hard_bounce", ts("2024-03-01T10:00:06Z"), *key, "502", None, False, "1003"),
        ("soft_bounce", ts("2024-03-01T10:00:07Z"), *key, "503", None, False, "1004"),
        ("soft_bounce", ts("2024-03-01T10:00:08Z"), *key, "504", None, False, "1005"),
        ("open", ts("2024-03-01T11:00:00Z"), *key, "501", None, True, "1006"),
        ("click", ts("2024-03-01T11:00:01Z"), *key, "501", SPRING, False, "1007"),
        ("unsubscribe", ts("2024-03-01T11:05:00Z"), *key, "501", None, False, "1008"),
        (
            "open",
            ts("2024-03-01T12:00:00Z"),
            "(no campaign)",
            "(no email)",
            "505",
            None,
            True,
            "1009",
        ),
        ("sent", None, *key, "510", None, False, "1015"),
    ]
    assert data.events["_row"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 15]
    assert data.events["email_name"].tolist()[:2] == ["Newsletter March", "Newsletter March"]
    assert pd.isna(data.events["email_name"].iloc[8])
    assert data.skipped == {
        "activity type 12 (New Lead)": 1,
        "activity type 13 (Change Data Value)": 1,
    }
    rejected = data.rejected
    assert rejected["row"].tolist() == [12, 13, 14]
    assert rejected["reason"].iloc[0] == "unparseable timestamp 'not a date'"
    assert rejected["reason"].iloc[1] == "activityTypeId 'abc' is not an integer"
    assert rejected["reason"].iloc[2].startswith("attributes is not a JSON object")
    assert rejected["raw"].tolist() == [BULK_ROWS[11], BULK_ROWS[12], BULK_ROWS[13]]


def test_bulk_tz_option(tmp_path: Path) -> None:
    rows = [
        "1,501,2024-03-01 10:00:00,6,77,3001,E,null",
        "2,501,2024-03-10 02:30:00,7,77,3001,E,null",  # does not exist in New York
        "3,501,2024-03-01T10:00:00Z,10,77,3001,E,null",  # explicit UTC stays UTC
    ]
    data = read_source(_bulk_file(tmp_path, rows), tz="America/New_York")
    assert data.events["timestamp"].tolist() == [
        ts("2024-03-01T15:00:00Z"),
        ts("2024-03-01T10:00:00Z"),
    ]
    assert data.rejected["row"].tolist() == [2]
    assert "America/New_York" in data.rejected["reason"].iloc[0]
    utc = read_source(_bulk_file(tmp_path, rows[:1], "b.csv"))
    assert utc.events["timestamp"].tolist() == [ts("2024-03-01T10:00:00Z")]


def test_bulk_dataframe_with_numeric_columns() -> None:
    frame = pd.DataFrame(
        {
            "marketoGUID": [1, 2],
            "leadId": [501, 502],
            "activityDate": ["2024-03-01T10:00:00Z", "2024-03-01T10:00:01Z"],
            "activityTypeId": [6, 10],
            "campaignId": [77.0, None],
            "primaryAttributeValueId": [3001, 3001],
            "primaryAttributeValue": ["E", "E"],
            "attributes": [None, '{"Is Bot Activity": "false"}'],
        }
    )
    assert detect_source(frame) == "marketo_bulk"
    data = read_source(frame)
    assert event_rows(data.events) == [
        ("sent", ts("2024-03-01T10:00:00Z"), "77", "3001", "501", None, False, "1"),
        ("open", ts("2024-03-01T10:00:01Z"), "(no campaign)", "3001", "502", None, False, "2"),
    ]


def test_bulk_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("marketoGUID,leadId\n1,2\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="activityDate"):
        read_source(path, source="marketo_bulk")


def test_bulk_fixture_is_not_fivetran(FIXTURES: Path) -> None:
    with pytest.raises(SchemaError, match="lacks columns"):
        read_source(FIXTURES / "marketo_bulk" / "activity_extract1.csv", source="fivetran_marketo")


REST_PAGE = {
    "requestId": "e42b#14272d07d78",
    "success": True,
    "nextPageToken": "GIYDAOBNGEYS2MBWKQYDAORQGA5DAMBOGAYDAKZQGAYDALBQ",
    "moreResult": False,
    "result": [
        {
            "id": 102988,
            "marketoGUID": "102988",
            "leadId": 1,
            "activityDate": "2023-01-16T23:32:19Z",
            "activityTypeId": 6,
            "campaignId": 1027,
            "primaryAttributeValueId": 1061,
            "primaryAttributeValue": "Welcome Email",
            "attributes": [
                {"name": "Campaign Run ID", "value": 3},
                {"name": "Choice Number", "value": 0},
                {"name": "Step ID", "value": 11},
            ],
        },
        {
            "id": 102990,
            "marketoGUID": "102990",
            "leadId": 1,
            "activityDate": "2023-01-17T08:01:02Z",
            "activityTypeId": 11,
            "campaignId": 1027,
            "primaryAttributeValueId": 1061,
            "primaryAttributeValue": "Welcome Email",
            "attributes": [
                {"name": "Link", "value": "https://example.com/start"},
                {"name": "Is Bot Activity", "value": True},
                {"name": "Bot Activity Pattern", "value": "Proximity Pattern"},
            ],
        },
        {
            "id": 102991,
            "leadId": 2,
            "activityDate": "2023-01-17T09:00:00Z",
            "activityTypeId": 8,
            "primaryAttributeValueId": 1061,
            "primaryAttributeValue": "Welcome Email",
            "attributes": [{"name": "Category", "value": "9"}],
        },
        {
            "id": 102992,
            "marketoGUID": "102992",
            "leadId": 1,
            "activityDate": "2023-01-17T09:00:00Z",
            "activityTypeId": 1,
            "primaryAttributeValueId": 5,
            "primaryAttributeValue": "/pricing",
            "attributes": [],
        },
        "junk",
        {"marketoGUID": "102993", "leadId": 3, "activityDate": "2023-01-17T09:00:00Z"},
    ],
}


def test_rest_page() -> None:
    assert detect_source(REST_PAGE) == "marketo_rest"
    data = read_source(REST_PAGE)
    assert event_rows(data.events) == [
        ("sent", ts("2023-01-16T23:32:19Z"), "1027", "1061", "1", None, False, "102988"),
        (
            "click",
            ts("2023-01-17T08:01:02Z"),
            "1027",
            "1061",
            "1",
            "https://example.com/start",
            True,
            "102990",
        ),
        # no marketoGUID: the integer id; no campaignId: the placeholder; category 9: soft
        (
            "soft_bounce",
            ts("2023-01-17T09:00:00Z"),
            "(no campaign)",
            "1061",
            "2",
            None,
            False,
            "102991",
        ),
    ]
    assert data.events["_row"].tolist() == [1, 2, 3]
    assert data.skipped == {"activity type 1 (Visit Webpage)": 1}
    assert data.rejected["row"].tolist() == [5, 6]
    assert data.rejected["reason"].tolist() == [
        "not a JSON object but str",
        "missing event kind ('activityTypeId')",
    ]


def test_rest_result_list_and_error_page() -> None:
    items = REST_PAGE["result"][:2]
    assert detect_source(items) == "marketo_rest"
    assert len(read_source(items).events) == 2
    error = {"requestId": "x#1", "success": False, "errors": [{"code": "601", "message": "bad"}]}
    data = read_source([REST_PAGE, error], source="marketo_rest")
    assert len(data.events) == 3
    assert data.rejected["reason"].str.startswith("Marketo error page").sum() == 1


def test_bulk_folder_of_extracts_with_types_and_dimensions(tmp_path: Path) -> None:
    """A folder as fetch_marketo writes it: extracts partitioned by month (CSV at the top or
    Parquet at any depth), the activity types looked up by name (a spam-complaint type
    where the subscription has one), campaign and email names; hidden files left out."""
    folder = tmp_path / "marketo"
    (folder / "activities" / "month=2024-03").mkdir(parents=True)
    _bulk_file(folder, BULK_ROWS[:2], "january.csv")
    march = pd.DataFrame(
        [
            ["2001", "601", "2024-03-02T10:00:00Z", "6", "78", "3002", "Promo", None],
            ["2002", "601", "2024-03-02T11:00:00Z", "100001", "78", "3002", "Promo", None],
            ["2003", "601", "bad date", "7", "78", "3002", "Promo", None],
        ],
        columns=HEADER.split(","),
    )
    march.to_parquet(folder / "activities" / "month=2024-03" / "activities.parquet")
    march.iloc[:1].to_parquet(folder / "activities" / "month=2024-03" / ".~1a2b.tmp.parquet")
    pd.DataFrame(
        {"activity_type_id": ["6", "7", "100001", "12"],
         "name": ["Send Email", "Email Delivered", "Email Spam Complaint", "New Lead"]}
    ).to_parquet(folder / "activity_types.parquet")  # fmt: skip
    pd.DataFrame(
        {"campaign_id": ["77", "78"], "campaign_name": ["Newsletter", "Promo blast"],
         "program": ["News", ""], "status": ["active", "archived"]}
    ).to_parquet(folder / "campaigns.parquet")  # fmt: skip
    pd.DataFrame(
        {"email_id": ["3002"], "email_name": ["Promo"], "subject": ["Deals"],
         "html": ["<p>Deals</p>"]}
    ).to_parquet(folder / "emails.parquet")  # fmt: skip
    assert detect_source(folder) == "marketo_bulk"
    data = read_source(folder)
    assert event_rows(data.events) == [
        ("sent", ts("2024-03-01T10:00:00Z"), "77", "3001", "501", None, False, "1001"),
        ("delivered", ts("2024-03-01T10:00:05Z"), "77", "3001", "501", None, False, "1002"),
        ("sent", ts("2024-03-02T10:00:00Z"), "78", "3002", "601", None, False, "2001"),
        ("complaint", ts("2024-03-02T11:00:00Z"), "78", "3002", "601", None, False, "2002"),
    ]
    march = "activities/month=2024-03/activities"
    assert data.events["_table"].tolist() == ["january", "january", march, march]
    assert data.rejected[["row", "reason"]].values.tolist() == [
        [3, "table activities/month=2024-03/activities: unparseable timestamp 'bad date'"]
    ]
    assert data.campaigns is not None and data.emails is not None
    assert data.campaigns.fillna("(missing)").values.tolist() == [
        ["77", "Newsletter", "News", "active"],
        ["78", "Promo blast", "(missing)", "archived"],
    ]
    assert data.emails.values.tolist() == [["3002", "Promo", "Deals", "<p>Deals</p>"]]
