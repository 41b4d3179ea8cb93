"""Every reader maps where an open or a click was read (RULES.md section 9): the shared
fixtures that carry a user agent, an IP, a client, an OS, a device or a country load them
exactly, and the flags of machine opens become ``is_machine_open``, not bots."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

import campaign_perf as cp
from campaign_perf.sources import read_source

from ._fixtures import FIXTURES

WHERE = ("event_type", "user_agent", "ip", "client", "os", "device", "country", "is_machine_open")
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/35.0.1916.153 Safari/537.36"
)
MSIE = "Mozilla/4.0 (compatible; MSIE 6.1; Windows XP; .NET CLR 1.1.4322; .NET CLR 2.0.50727)"


def _v(value: object) -> object:
    """A cell, missing values (None, NaN) as None."""
    return None if value is None or value != value else value


def _where(events: pd.DataFrame) -> list[tuple]:
    rows = events[events["event_type"].isin(("open", "click"))][list(WHERE)]
    return [tuple(_v(v) for v in r) for r in rows.itertuples(index=False)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sendgrid/open.json", [("open", MSIE, "255.255.255.255", None, None, None, None, False)]),
        (
            "sendgrid/click.json",
            [("click", MSIE, "255.255.255.255", None, None, None, None, False)],
        ),
        (
            "ses/open.json",
            [
                (
                    "open",
                    "Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X) AppleWebKit/603.3.8 "
                    "(KHTML, like Gecko) Mobile/14G60",
                    "192.0.2.1",
                    None,
                    None,
                    None,
                    None,
                    False,
                )
            ],
        ),
        (
            "ses/click.json",
            [
                (
                    "click",
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                    "(KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36",
                    "192.0.2.1",
                    None,
                    None,
                    None,
                    None,
                    False,
                )
            ],
        ),
        (
            "postmark/open.json",
            [("open", CHROME_MAC, "188.2.95.4", "Chrome", "OS X 10", "webmail", "RS", False)],
        ),
        (
            "postmark/link_click.json",
            [("click", CHROME_MAC, "188.2.95.4", "Chrome", "OS X 10", "desktop", "RS", False)],
        ),
        (
            "mailgun/opens.json",
            [
                (
                    "open",
                    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.31 (KHTML, like Gecko) "
                    "Chrome/26.0.1410.43 Safari/537.31",
                    "50.56.129.169",
                    "Chrome",
                    "Linux",
                    "desktop",
                    "US",
                    False,
                )
            ],
        ),
        ("brevo/proxy_open.json", [("open", None, None, None, None, None, None, True)]),
        ("brevo/opened.json", [("open", None, None, None, None, None, None, False)]),
    ],
)
def test_a_fixture_s_where_read_columns_load_exactly(name: str, expected: list[tuple]) -> None:
    assert _where(read_source(FIXTURES / name).events) == expected


def test_mailgun_clicks_carry_client_info_and_geolocation() -> None:
    doc = json.loads((FIXTURES / "mailgun/clicks.json").read_text())["event-data"]
    info, geo = doc["client-info"], doc["geolocation"]
    (row,) = _where(read_source(FIXTURES / "mailgun/clicks.json").events)
    assert row == (
        "click",
        info["user-agent"],
        doc["ip"],
        info["client-name"],
        info["client-os"],
        info["device-type"],
        geo["country"],
        False,
    )


def test_sendgrid_machine_open_flag_is_a_machine_open_not_a_bot() -> None:
    item = json.loads((FIXTURES / "sendgrid/open.json").read_text())[0]
    data = read_source([{**item, "sg_machine_open": True}])
    assert data.events[["is_machine_open", "is_bot"]].values.tolist() == [[True, False]]


def test_mailgun_gmail_image_proxy_is_a_person_s_open_on_the_proxy() -> None:
    doc = copy.deepcopy(json.loads((FIXTURES / "mailgun/opens.json").read_text()))
    doc["event-data"]["client-info"]["bot"] = "gmail"
    e = read_source(doc).events
    assert e[["is_bot", "is_machine_open", "client", "device"]].values.tolist() == [
        [False, False, "Gmail", "proxy"]
    ]


def test_fivetran_marketo_opens_carry_user_agent_platform_and_device() -> None:
    data = read_source(FIXTURES / "fivetran_marketo")
    opens = data.events[data.events["event_type"] == "open"]
    raw = pd.read_csv(
        FIXTURES / "fivetran_marketo/marketo_activity_open_email_data.csv",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    by_id = raw.set_index("id")
    for _, e in opens.iterrows():
        src = by_id.loc[e["event_id"]]
        assert _v(e["user_agent"]) == (src["user_agent"] or None)
        # Marketo writes "unknown" where it does not know: the parsed user agent then tells
        assert _v(e["os"]) == (None if src["platform"] in ("", "unknown") else src["platform"])
        if src["device"] in ("", "unknown"):
            expected = "mobile" if src["is_mobile_device"].lower() == "true" else None
            assert _v(e["device"]) == expected


def test_marketo_bulk_attributes_give_where_read(tmp_path: Path) -> None:
    header = (
        "marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,"
        "primaryAttributeValue,attributes\n"
    )
    attrs = json.dumps(
        {
            "Device": "unknown",
            "Platform": "iOS",
            "Is Mobile Device": True,
            "User Agent": "Mozilla/5.0",
            "Is Bot Activity": False,
        }
    ).replace('"', '""')
    row = "6,42,2026-03-02T09:00:00Z,6,1001,2001,Welcome,{}\n"  # the send
    row += f'7,42,2026-03-02T10:00:00Z,10,1001,2001,Welcome,"{attrs}"\n'
    path = tmp_path / "activities.csv"
    path.write_text(header + row, encoding="utf-8")
    e = read_source(path, source="marketo_bulk")
    assert _where(e.events) == [("open", "Mozilla/5.0", None, None, "iOS", "mobile", None, False)]
    log = cp.load_events(e.events.drop(columns=["_row"]), warn=False)
    # the bare Mozilla/5.0 of Apple Mail Privacy Protection: a machine open at load
    assert log.events["is_machine_open"].tolist() == [False, True]  # the send, the open
