"""The page-weight budgets (issue 21) from bench/page_weight.py's computation: sizes, not timings. The AMA page
with 50 questions, live and ended, <= 150 KB of HTML; every page's linked CSS <= 40 KB and JS <= 30 KB."""

from bench.page_weight import BUDGETS, KB, Weight, measure, report


def test_every_page_is_within_the_weight_budgets(db):
    weights = measure()
    by_page = {weight.page: weight for weight in weights}
    assert {"AMA page, live", "AMA page, ended", "stage", "dashboard console"} <= set(by_page)
    live = by_page["AMA page, live"]
    assert live.html > 50 * KB  # the 50 questions and their answers are on it
    assert "/static/ama/site.css" in live.files and live.css > 0 and live.js > 0
    assert [weight.page for weight in weights if weight.missed()] == [], report(weights)


def test_a_page_over_a_budget_is_reported_missed():
    over = Weight("AMA page, live", BUDGETS["html"] + 1, BUDGETS["css"], BUDGETS["js"] + 1, 0, 0, [])
    assert over.missed() == ["js", "html"]
    assert "MISSED (js, html)" in report([over])
    assert Weight("stage", BUDGETS["html"] + 1, 0, 0, 0, 0, []).missed() == []  # the HTML budget is the AMA page's
