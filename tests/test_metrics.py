"""Tests of metric expressions (cp.metrics.metric) and custom counts (cp.metrics.count)."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import campaign_perf as cp
from campaign_perf import metrics as M
from campaign_perf.cli import app
from campaign_perf.views.export import write_report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    """Every registration of a test is undone after it (no leaks to other modules)."""
    with M.registry_snapshot():
        yield


@pytest.fixture(scope="module")
def sample_log() -> cp.EventLog:
    return cp.load_events(
        SAMPLE / "events.parquet",
        campaigns=SAMPLE / "campaigns.csv",
        emails=SAMPLE / "emails.parquet",
        leads=SAMPLE / "leads.parquet",
        warn=False,
    )


def log_of(*events: tuple) -> cp.EventLog:
    """Events as (type, timestamp, lead[, link[, is_bot[, campaign[, email]]]])."""
    cols = ("event_type", "timestamp", "lead_id", "link", "is_bot", "campaign_id", "email_id")
    rows = []
    for e in events:
        full = (*e, *(None, False, "C1", "E1")[len(e) - 3 :])
        rows.append(dict(zip(cols, full, strict=True)))
    return cp.load_events(pd.DataFrame(rows), warn=False)


def values(**cols: list[float]) -> dict[str, pd.Series]:
    return {k: pd.Series(v, dtype="float64") for k, v in cols.items()}


# -- the expression language -----------------------------------------------------------------
V = values(sent=[10, 7, 0], delivered=[8, 0, 0], clicked=[2, 0, 0])
S, D, C = (V[k].to_numpy() for k in ("sent", "delivered", "clicked"))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("sent + delivered", S + D),
        ("sent - delivered", S - D),
        ("sent * delivered", S * D),
        ("sent + delivered * 2", S + D * 2),
        ("(sent + delivered) * 2", (S + D) * 2),
        ("sent - delivered - 1", (S - D) - 1),
        ("sent - (delivered - 1)", S - (D - 1)),
        ("sent * 3 / 2", S * 3 / 2),
        ("-sent + 3", -S + 3),
        ("--sent", S),
        ("+sent", S),
        ("-(sent - delivered) * 2", -(S - D) * 2),
        ("1.5e1 * clicked", 15.0 * C),
        ("1_000 + clicked", 1000 + C),
        ("0.5", np.full(3, 0.5)),
        ("min(sent, delivered)", np.minimum(S, D)),
        ("max(sent, delivered, 9)", np.maximum(np.maximum(S, D), 9)),
        ("min(max(clicked, 1), 3) * 2", np.minimum(np.maximum(C, 1), 3) * 2),
    ],
)
def test_arithmetic_of_the_expression_language(expression: str, expected: np.ndarray) -> None:
    out = M.evaluate(expression, V, "x")
    np.testing.assert_allclose(out.to_numpy(), expected)
    assert out.index.equals(V["sent"].index)


def test_division_by_zero_is_missing_never_an_error_or_infinity() -> None:
    out = M.evaluate("clicked / delivered", V, "x")
    assert out.iloc[0] == pytest.approx(0.25)
    assert out.iloc[1:].isna().all()
    assert M.evaluate("sent / 0", V, "x").isna().all()
    assert M.evaluate("sent / (delivered - delivered)", V, "x").isna().all()
    assert not np.isinf(M.evaluate("1 / delivered", V, "x")).any()


def test_a_missing_value_stays_missing_through_min_and_max() -> None:
    out = M.evaluate("min(clicked / delivered, 1)", V, "x")
    assert out.iloc[0] == pytest.approx(0.25)
    assert out.iloc[1:].isna().all()


def test_unknown_name_error_names_it() -> None:
    with pytest.raises(M.MetricError, match="'clikced'"):
        M.evaluate("clikced / delivered", V, "x")
    with pytest.raises(M.MetricError, match="unknown name 'clikced'"):
        M.metric("ctr", "clikced / delivered")
    assert "ctr" not in M.METRICS


@pytest.mark.parametrize("expression", ["clicked +", "(clicked", "clicked delivered", ""])
def test_syntax_error_is_reported(expression: str) -> None:
    with pytest.raises(M.MetricError, match="syntax error"):
        M.metric("bad", expression)
    assert "bad" not in M.METRICS


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('echo owned')",
        "open('/etc/passwd')",
        "clicked.real",
        "clicked.__class__",
        "clicked[0]",
        "'clicked'",
        "b'x'",
        "lambda: 1",
        "(lambda x: x)(clicked)",
        "abs(clicked)",
        "min(clicked)",
        "min(clicked, delivered, key=abs)",
        "min(*clicked)",
        "clicked ** 2",
        "clicked // 2",
        "clicked % 2",
        "clicked > 1",
        "clicked and delivered",
        "clicked if delivered else 1",
        "True",
        "[clicked]",
        "f'{clicked}'",
        "clicked := 1",
        "1j * clicked",
        "min",
        "not clicked",
        "~clicked",
        "clicked << 1",
        "clicked & 1",
        "sent; clicked",
        "import os",
    ],
)
def test_anything_but_arithmetic_is_rejected(expression: str) -> None:
    with pytest.raises(M.MetricError):
        M.metric("evil", expression)
    assert "evil" not in M.METRICS
    with pytest.raises(M.MetricError):
        M.evaluate(expression, V, "evil")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("clicked.real / delivered", r"clicked\.real is not allowed \(attribute access\)"),
        ("sent + clicked // 2", r"clicked // 2 is not allowed \(//\)"),
        ("open('x') / sent", r"open\('x'\) is not allowed \(calls other than min\(\)"),
    ],
)
def test_rejection_names_the_offending_construct(expression: str, message: str) -> None:
    with pytest.raises(M.MetricError, match=message):
        M.metric("evil", expression)


def test_a_cycle_is_refused_and_named_and_leaves_the_registry_unchanged() -> None:
    a = M.metric("a_x", "clicked * 2")
    M.metric("b_x", "a_x + 1")
    with pytest.raises(M.MetricError, match="cycle a_x -> b_x -> a_x"):
        M.metric("a_x", "b_x / 2", replace=True)
    assert M.METRICS["a_x"] is a
    with pytest.raises(M.MetricError, match="cycle"):
        M.metric("c_x", "c_x + 1")


@pytest.mark.parametrize(
    "bad_id",
    ["Pricing", "1x", "with space", "ctr-1", "", "_x", "class", "select", "campaign_id", "min"],
)
def test_bad_ids_are_refused(bad_id: str) -> None:
    with pytest.raises(M.MetricError, match=r"metric id|reserved"):
        M.metric(bad_id, "clicked / delivered")


def test_builtins_are_protected() -> None:
    with pytest.raises(M.MetricError, match="built-in count"):
        M.metric("sent", "delivered", replace=True)
    with pytest.raises(M.MetricError, match="replace=True"):
        M.metric("opened_pct", "opened / sent")
    with pytest.raises(M.MetricError, match="built-in count"):
        M.count("clicked", "click")
    M.metric("x_once", "sent")
    with pytest.raises(M.MetricError, match="already registered"):
        M.metric("x_once", "sent * 2")


def test_bad_format_is_refused() -> None:
    with pytest.raises(M.MetricError, match="fmt"):
        M.metric("ctr", "clicked / delivered", fmt="percent")  # type: ignore[arg-type]


def test_defaults_label_and_description_from_id_and_expression() -> None:
    m = M.metric("engaged_pct", "(clicked + unsubscribed) / delivered", fmt="pct")
    assert (m.label, m.description, m.fmt) == (
        "Engaged %",
        "(clicked + unsubscribed) / delivered",
        "pct",
    )
    assert m.dependencies() == {"clicked", "unsubscribed", "delivered"}
    assert M.metric("mx", "max(clicked, opened)").dependencies() == {"clicked", "opened"}


def test_replacing_a_builtin_rate_and_unregistering_restores_it() -> None:
    builtin, order = M.METRICS["opened_pct"], list(M.METRICS)
    assert M.is_builtin("opened_pct")
    M.metric("opened_pct", "opened / sent", fmt="pct", replace=True)
    assert not M.is_builtin("opened_pct")
    assert M.METRICS["opened_pct"].expression == "opened / sent"
    M.unregister("opened_pct")
    assert M.METRICS["opened_pct"] is builtin
    assert list(M.METRICS) == order


def test_unregister_refuses_builtins_unknown_ids_and_metrics_in_use() -> None:
    with pytest.raises(M.MetricError, match="built-in"):
        M.unregister("clicked_pct")
    with pytest.raises(M.MetricError, match="unknown metric"):
        M.unregister("nope")
    M.count("pricing_clicks", link_contains="pricing")
    M.metric("pricing_ctr", "pricing_clicks / delivered")
    with pytest.raises(M.MetricError, match="'pricing_ctr' use it"):
        M.unregister("pricing_clicks")
    M.unregister("pricing_ctr")
    M.unregister("pricing_clicks")
    assert "pricing_clicks" not in M.METRICS
    assert "pricing_clicks" not in M.CUSTOM_COUNTS


def test_registry_snapshot_undoes_registrations() -> None:
    before_m, before_c = dict(M.METRICS), dict(M.CUSTOM_COUNTS)
    with M.registry_snapshot():
        M.count("pricing_clicks", link_contains="pricing")
        M.metric("opened_pct", "opened / sent", replace=True)
    assert dict(M.METRICS) == before_m
    assert dict(M.CUSTOM_COUNTS) == before_c


def test_metric_option_of_the_cli() -> None:
    m = M.metric_option("engaged_pct=(clicked + unsubscribed) / delivered")
    assert (m.id, m.fmt) == ("engaged_pct", "pct")
    assert M.metric_option("ctr2 = clicked / delivered").fmt == "pct"
    assert M.metric_option("opens_per_person=total_opens / opened").fmt == "float"
    for bad in ("no_equals_sign", "=clicked", "x="):
        with pytest.raises(M.MetricError, match="id=expression"):
            M.metric_option(bad)


def test_expression_tree_expands_derived_metrics_to_counts() -> None:
    M.metric("ctr2", "clicked / delivered")
    M.metric("lift", "-ctr2 * 2 + max(opened, 1)")
    assert M.expression_tree("lift") == [
        "+",
        ["*", ["neg", ["/", "clicked", "delivered"]], 2.0],
        ["max", "opened", 1.0],
    ]
    assert M.expression_tree("sent") == "sent"


def test_proportions_are_count_over_count_of_people() -> None:
    for mid, m in M.METRICS.items():
        if mid.endswith("_pct"):
            prop = M.proportion(mid)
            assert prop is not None, mid
            assert m.expression == (
                f"{prop.numerator[0]} / {prop.denominator}"
                if len(prop.numerator) == 1
                else f"({' + '.join(prop.numerator)}) / {prop.denominator}"
            )
    M.count("pricing_clicks", link_contains="pricing")
    cases = {
        "pricing_clicks / delivered": M.Proportion(("pricing_clicks",), "delivered"),
        "(clicked + unsubscribed) / delivered": None,
        "total_clicks / delivered": None,
        "clicked / total_opens": None,
        "clicked / delivered * 100": None,
        "(delivered + delivered) / sent": None,
        "clicked_pct / delivered": None,
    }
    for i, (expression, expected) in enumerate(cases.items()):
        M.metric(f"p{i}", expression)
        assert M.proportion(f"p{i}") == expected, expression


# Expressions built to break the parser or the evaluators (nesting that exhausts Python's
# recursion, numbers that overflow a float): each is one clear error, never a traceback.
HUGE_NUMBER = "sent * " + "9" * 900
DEEP_MINUS = "-" * 990 + "sent"
LONG_SUM = "+".join(["1"] * 499)


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        (HUGE_NUMBER, "is too large"),
        ("1e400 * sent", "1e400 is too large"),
        (DEEP_MINUS, "nested 991 levels deep"),
        (LONG_SUM, "nested 499 levels deep"),
    ],
)
def test_numbers_too_large_and_nesting_too_deep_are_one_clear_error(
    expression: str, words: str
) -> None:
    for attempt in (
        lambda: M.metric("evil", expression),
        lambda: M.evaluate(expression, V, "evil"),
    ):
        with pytest.raises(M.MetricError) as err:
            attempt()
        message = str(err.value)
        assert words in message
        assert "\n" not in message and len(message) < 200, message
    assert "evil" not in M.METRICS


def test_nesting_up_to_the_limit_is_evaluated() -> None:
    M.metric("deep_sum", "+".join(["sent"] * 100))
    M.metric("deep_minus", "-" * 99 + "sent")
    out = M.compute_metrics(pd.DataFrame({"sent": [3, 0]}), ["deep_sum", "deep_minus"])
    assert out["deep_sum"].tolist() == [300.0, 0.0]
    assert out["deep_minus"].tolist() == [-3.0, 0.0]
    assert len(M.expression_tree("deep_sum")) == 3


def test_nesting_through_other_metrics_counts_and_leaves_the_registry_unchanged() -> None:
    M.metric("half_deep", "-" * 59 + "sent")
    with pytest.raises(M.MetricError, match=r"'too_deep'.* levels deep with the metrics it uses"):
        M.metric("too_deep", "-" * 59 + "half_deep")
    assert "too_deep" not in M.METRICS
    M.metric("shallow", "half_deep + 1")
    with pytest.raises(M.MetricError, match="levels deep"):
        M.metric("half_deep", "-" * 98 + "sent", replace=True)  # would deepen 'shallow'
    assert M.METRICS["half_deep"].expression == "-" * 59 + "sent"


def test_a_metric_whose_expansion_over_counts_explodes_is_refused() -> None:
    M.metric("double0", "sent + sent")
    with pytest.raises(
        M.MetricError, match=r"terms once the metrics it uses are written out.*10,000 allowed"
    ):
        for i in range(1, 40):
            M.metric(f"double{i}", f"double{i - 1} + double{i - 1}")
    last = max(int(m[6:]) for m in M.METRICS if m.startswith("double"))
    assert 5 < last < 40
    assert M.expression_tree(f"double{last}")[0] == "+"


@pytest.mark.parametrize("expression", [HUGE_NUMBER, DEEP_MINUS, LONG_SUM])
def test_the_cli_refuses_such_a_metric_in_one_error_line(expression: str, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text(
        "event_type,timestamp,lead_id,campaign_id,email_id\nsent,2026-03-02T09:00:00Z,L1,C1,E1\n"
    )
    res = CliRunner().invoke(
        app, ["report", str(events), "--metric", f"x={expression}", "-o", str(tmp_path / "r.html")]
    )
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error:") and len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.output and not (tmp_path / "r.html").exists()


def test_metrics_of_metrics_are_evaluated_after_what_they_use() -> None:
    M.metric("ctr2", "clicked / delivered")
    M.metric("ctr_lift", "ctr2 / clicked_pct - 1")
    M.metric("ctr_lift_pct", "ctr_lift * 100")
    sums = pd.DataFrame({"clicked": [2, 1], "delivered": [8, 0], "sent": [9, 1]})
    out = M.compute_metrics(sums, ["ctr_lift_pct", "clicked", "ctr2"])
    assert list(out.columns) == ["ctr_lift_pct", "clicked", "ctr2"]
    assert out["clicked"].dtype == sums["clicked"].dtype
    assert out.loc[0, "ctr_lift_pct"] == pytest.approx(0.0)
    assert out.loc[0, "ctr2"] == pytest.approx(0.25)
    assert out.iloc[1].isna()[["ctr_lift_pct", "ctr2"]].all()
    with pytest.raises(M.MetricError, match="'opened' is not in the data"):
        M.compute_metrics(sums, ["click_to_open_pct"])


# -- registered metrics in reports ------------------------------------------------------------
def two_email_log() -> cp.EventLog:
    """E1: 3 sent, 2 delivered, 1 clicker who also unsubscribed; E2: 2 sent, 2 delivered,
    1 unsubscriber, 1 clicker."""
    ev = []
    for lead, email in (("L1", "E1"), ("L2", "E1"), ("L3", "E1"), ("L4", "E2"), ("L5", "E2")):
        ev.append(("sent", "2026-03-02 09:00", lead, None, False, "C1", email))
    for lead, email in (("L1", "E1"), ("L2", "E1"), ("L4", "E2"), ("L5", "E2")):
        ev.append(("delivered", "2026-03-02 09:01", lead, None, False, "C1", email))
    ev.append(("hard_bounce", "2026-03-02 09:01", "L3", None, False, "C1", "E1"))
    ev.append(("click", "2026-03-02 10:00", "L1", "https://x.example/a", False, "C1", "E1"))
    ev.append(("unsubscribe", "2026-03-02 10:05", "L1", None, False, "C1", "E1"))
    ev.append(("unsubscribe", "2026-03-02 10:05", "L4", None, False, "C1", "E2"))
    ev.append(("click", "2026-03-02 11:00", "L5", "https://x.example/b", False, "C1", "E2"))
    return log_of(*ev)


def test_a_registered_metric_is_a_report_column_in_table_total_and_csv(tmp_path: Path) -> None:
    M.metric("engaged_pct", "(clicked + unsubscribed) / delivered", label="Engaged %", fmt="pct")
    cols = ["delivered", "clicked", "unsubscribed", "engaged_pct"]
    rep = cp.Report(two_email_log(), columns=cols)
    t = rep.table()
    expected = (t["clicked"] + t["unsubscribed"]) / t["delivered"]
    np.testing.assert_allclose(t["engaged_pct"], expected)
    tot = rep.total()
    assert tot["engaged_pct"] == pytest.approx(
        (tot["clicked"] + tot["unsubscribed"]) / tot["delivered"]
    )
    assert rep.formatted()["Engaged %"].iloc[-1] == f"{tot['engaged_pct'] * 100:.1f}%"
    path = write_report(rep, tmp_path / "r.csv")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [float(r["engaged_pct"]) for r in rows] == pytest.approx(list(t["engaged_pct"]))
    ws = openpyxl.load_workbook(write_report(rep, tmp_path / "r.xlsx")).active
    header = [c.value for c in ws[1]]
    col = header.index("Engaged %") + 1
    assert ws.cell(2, col).value == pytest.approx(t["engaged_pct"].iloc[0])
    assert ws.cell(2, col).number_format == "0.0%"


def test_a_metric_of_a_metric_in_a_report() -> None:
    M.metric("engaged_pct", "(clicked + unsubscribed) / delivered", fmt="pct")
    M.metric("engaged_per_click", "engaged_pct / clicked_pct")
    rep = cp.Report(two_email_log(), columns=["engaged_pct", "clicked_pct", "engaged_per_click"])
    t = rep.table()
    np.testing.assert_allclose(t["engaged_per_click"], t["engaged_pct"] / t["clicked_pct"])


def test_a_report_with_an_unknown_column_names_it() -> None:
    with pytest.raises(M.MetricError, match="'engaged_pct'"):
        cp.Report(two_email_log(), columns=["engaged_pct"])


# -- custom counts ------------------------------------------------------------------------------
PRICING = "https://example.com/pricing?utm_source=x"


def test_custom_count_counts_people_not_events() -> None:
    log = log_of(
        ("sent", "2026-03-02 09:00", "L1"),
        ("click", "2026-03-02 10:00", "L1", PRICING),
        ("click", "2026-03-02 10:05", "L1", PRICING.upper()),
        ("sent", "2026-03-02 09:00", "L2"),
        ("click", "2026-03-02 10:00", "L2", "https://example.com/blog"),
        ("sent", "2026-03-02 09:00", "L3"),
    )
    M.count("pricing_clicks", "click", link_contains="pricing")
    rep = cp.Report(log, columns=["clicked", "total_clicks", "pricing_clicks"])
    assert rep.total()[["clicked", "total_clicks", "pricing_clicks"]].tolist() == [2, 3, 1]
    assert "pricing_clicks" in rep.count_columns
    per_record = rep.records().set_index("lead_id")["pricing_clicks"]
    assert per_record.to_dict() == {"L1": 1, "L2": 0, "L3": 0}


def test_unsubscribe_link_clicks_are_excluded_unless_asked() -> None:
    log = log_of(
        ("sent", "2026-03-02 09:00", "L1"),
        ("click", "2026-03-02 10:00", "L1", "https://example.com/pricing/unsubscribe"),
        ("sent", "2026-03-02 09:00", "L2"),
        ("click", "2026-03-02 10:00", "L2", "https://example.com/pricing/opt-out?x=1"),
        ("sent", "2026-03-02 09:00", "L3"),
        ("click", "2026-03-02 10:00", "L3", PRICING),
    )
    M.count("pricing", link_contains="pricing")
    M.count("pricing_all", link_contains="pricing", include_unsubscribe_links=True)
    t = cp.Report(log, columns=["clicked", "pricing", "pricing_all"]).total()
    assert t[["clicked", "pricing", "pricing_all"]].tolist() == [1, 1, 3]


def test_link_text_is_a_literal_not_sql() -> None:
    log = log_of(
        ("sent", "2026-03-02 09:00", "L1"),
        ("click", "2026-03-02 10:00", "L1", "https://example.com/o'brien"),
        ("sent", "2026-03-02 09:00", "L2"),
        ("click", "2026-03-02 10:00", "L2", "https://example.com/other"),
    )
    M.count("quote", link_contains="o'brien")
    M.count("inject", link_contains="x') > 0 OR true OR ('")
    M.count("exact", where={"link": "https://example.com/other' OR '1'='1"})
    t = cp.Report(log, columns=["quote", "inject", "exact"]).total()
    assert t.tolist() == [1, 0, 0]


def test_link_pattern_any_of_several_texts_and_where() -> None:
    log = log_of(
        ("sent", "2026-03-02 09:00", "L1"),
        ("click", "2026-03-02 10:00", "L1", "https://example.com/Price-list"),
        ("sent", "2026-03-02 09:00", "L2"),
        ("click", "2026-03-02 10:00", "L2", "https://example.com/pricing"),
        ("sent", "2026-03-02 09:00", "L3", None, False, "C1", "E2"),
        ("click", "2026-03-02 10:00", "L3", "https://example.com/demo", False, "C1", "E2"),
    )
    M.count("pattern", link_pattern=r"/pric(e|ing)\b")
    M.count("any_of", link_contains=["price", "demo"])
    M.count("on_e2", where={"email_id": ["E2"]})
    t = cp.Report(log, columns=["pattern", "any_of", "on_e2"]).total()
    assert t.tolist() == [2, 2, 1]


def test_bot_flag_filter() -> None:
    log = log_of(
        ("sent", "2026-03-02 09:00", "L1"),
        ("click", "2026-03-02 10:00", "L1", PRICING, True),
        ("sent", "2026-03-02 09:00", "L2"),
        ("click", "2026-03-02 10:00", "L2", PRICING, False),
        ("open", "2026-03-02 10:00", "L2", None, True),
    )
    M.count("human_clicks", bots=False)
    M.count("bot_clicks", bots=True)
    M.count("any_clicks")
    M.count("bot_opens", "open", bots=True)
    cols = ["human_clicks", "bot_clicks", "any_clicks", "bot_opens"]
    rep = cp.Report(log, columns=cols)
    assert rep.total().tolist() == [1, 1, 2, 1]
    assert rep.with_bots(True).total().tolist() == [1, 0, 1, 0]


def test_other_event_types() -> None:
    log = log_of(
        ("sent", "2026-03-02 09:00", "L1"),
        ("open", "2026-03-02 10:00", "L1"),
        ("open", "2026-03-02 11:00", "L1"),
        ("sent", "2026-03-02 09:00", "L2"),
        ("soft_bounce", "2026-03-02 09:01", "L2"),
        ("open", "2026-03-03 09:02", "L2"),
        ("sent", "2026-03-02 09:00", "L3"),
    )
    M.count("opens", "open")
    M.count("soft", "soft_bounce")
    t = cp.Report(log, columns=["opens", "total_opens", "soft", "soft_bounced"]).total()
    # L2's soft bounce is an event the count sees, although the open makes it Delivered.
    assert t.tolist() == [2, 3, 1, 0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"event": "clicks"}, "event must be one of"),
        ({"event": "open", "link_contains": "pricing"}, "clicks only"),
        ({"event": "open", "include_unsubscribe_links": True}, "clicks only"),
        ({"event": "sent", "bots": True}, "opens and clicks only"),
        ({"link_pattern": "(?=lookahead)"}, "not valid"),
        ({"link_pattern": ""}, "regular expression"),
        ({"link_contains": ""}, "non-empty"),
        ({"link_contains": []}, "non-empty"),
        ({"where": {"is_bot; DROP TABLE events": "x"}}, "unknown column"),
        ({"where": {"link": 3}}, "non-empty string"),
        ({"bots": "yes"}, "bots must be"),
    ],
)
def test_bad_custom_counts_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(M.MetricError, match=message):
        M.count("bad_count", **kwargs)
    assert "bad_count" not in M.METRICS
    assert "bad_count" not in M.CUSTOM_COUNTS


def test_custom_count_in_expressions() -> None:
    log = log_of(
        ("sent", "2026-03-02 09:00", "L1"),
        ("delivered", "2026-03-02 09:01", "L1"),
        ("click", "2026-03-02 10:00", "L1", PRICING),
        *(
            e
            for lead in ("L2", "L3", "L4")
            for e in (
                ("sent", "2026-03-02 09:00", lead),
                ("delivered", "2026-03-02 09:01", lead),
            )
        ),
    )
    M.count("pricing_clicks", link_contains="pricing")
    M.metric("pricing_ctr", "pricing_clicks / delivered", fmt="pct")
    t = cp.Report(log, columns=["pricing_clicks", "delivered", "pricing_ctr"]).total()
    assert t["pricing_ctr"] == pytest.approx(t["pricing_clicks"] / t["delivered"])
    assert t["pricing_ctr"] == pytest.approx(0.25)


def test_custom_count_on_the_activity_basis_counts_only_events_in_the_frame() -> None:
    log = log_of(
        ("sent", "2026-03-02 09:00", "L1"),
        ("click", "2026-03-09 10:00", "L1", PRICING),
        ("sent", "2026-03-02 09:00", "L2"),
        ("click", "2026-03-02 10:00", "L2", PRICING),
    )
    M.count("pricing_clicks", link_contains="pricing")
    rep = cp.Report(log, time_frame="2026-03-01..2026-03-07", columns=["pricing_clicks"])
    assert rep.total()["pricing_clicks"] == 2
    assert rep.with_basis("activity").total()["pricing_clicks"] == 1
    later = rep.with_basis("activity").with_time_frame("2026-03-08..2026-03-14")
    assert later.total()["pricing_clicks"] == 1


def test_custom_count_matches_a_direct_count_of_the_events(sample_log: cp.EventLog) -> None:
    M.count("pricing_clicks", link_contains="pricing")
    rep = cp.Report(
        sample_log, time_frame="last month", today="as_of", columns=["sent", "pricing_clicks"]
    )
    e = rep.events()
    hits = e[
        (e["event_type"] == "click")
        & ~e["unsub_link"].astype(bool)
        & e["link"].fillna("").str.lower().str.contains("pricing", regex=False)
    ]
    expected = hits.groupby(["campaign_id", "email_id"])["lead_id"].nunique()
    t = rep.table().set_index(["campaign_id", "email_id"])["pricing_clicks"]
    assert expected.sum() > 0
    assert t[t > 0].sort_index().to_dict() == expected.sort_index().to_dict()


def test_custom_counts_add_up_across_adjacent_frames(sample_log: cp.EventLog) -> None:
    M.count("pricing_clicks", link_contains="pricing")
    rep = cp.Report(sample_log, today="as_of", columns=["sent", "pricing_clicks"])
    first = rep.with_time_frame("2026-09-01..2026-09-15").table()
    second = rep.with_time_frame("2026-09-16..2026-09-30").table()
    union = rep.with_time_frame("2026-09-01..2026-09-30").table()
    keys = ["campaign_id", "email_id"]
    both = pd.concat([first, second]).groupby(keys)[["sent", "pricing_clicks"]].sum().sort_index()
    whole = union.set_index(keys)[["sent", "pricing_clicks"]].sort_index()
    assert whole["pricing_clicks"].sum() > 0
    pd.testing.assert_frame_equal(both, whole, check_dtype=False)


def test_format_value_of_a_metric() -> None:
    assert M.format_value(0.1234, "pct") == "12.3%"
    assert M.format_value(1234, "int") == "1,234"
    assert M.format_value(math.nan, "float") == "–"
