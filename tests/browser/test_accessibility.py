"""axe-core (the copy axe-playwright-python bundles: nothing is downloaded) in real Chromium on every public page,
the host's dashboard pages and the stage view, in English and in French, light and dark: no serious or critical
violation.

One browser, one server, one page per language reused from page to page. Each page is loaded once per language
and audited with every rule in one colour scheme (English in light, French in dark); then the same page is
switched to the other scheme (the DOM is the same, only the colours change) and audited again for contrast."""

import pytest

from tests.browser.site_tour import ENGLISH_ONLY, STATUS, dashboard_paths, public_paths, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

LANGUAGES = [("en-US", "light", "dark"), ("fr-FR", "dark", "light")]  # locale, scheme audited fully, then contrast
BLOCKING = {"serious", "critical"}
EVERY_RULE = {"resultTypes": ["violations"]}
CONTRAST = {"resultTypes": ["violations"], "runOnly": ["color-contrast"]}


def audit(page, options: dict) -> list[str]:
    """The serious and critical violations axe finds on the page as it is now, one line per rule and nodes."""
    results = page.evaluate("options => axe.run(document, options)", options)
    return [f"{violation['id']} ({violation['impact']}): {violation['help']}"
            + "".join(f"\n      {' '.join(node['target'])}: {node['html'][:160]}\n        "
                      + node["failureSummary"].replace("\n", " ")[:300] for node in violation["nodes"])
            for violation in results["violations"] if violation["impact"] in BLOCKING]


def test_no_serious_or_critical_violation_on_any_page_in_english_and_french_light_and_dark(
        live_site, tour, chromium):
    from axe_playwright_python.sync_playwright import Axe

    found, audited = [], []
    for locale, scheme, other_scheme in LANGUAGES:
        context = chromium.new_context(locale=locale, color_scheme=scheme, viewport={"width": 1280, "height": 900})
        context.add_init_script(Axe().axe_script)  # axe-core in every page this context loads
        page = context.new_page()
        for signed_in, paths in ((False, public_paths(tour)), (True, dashboard_paths(tour))):
            if signed_in:
                sign_in(page, live_site.url, tour)
            for name, path in paths.items():
                assert page.goto(live_site.url + path).status == STATUS.get(name, 200), name
                language = "en" if name in ENGLISH_ONLY else locale[:2]
                assert page.locator("html").get_attribute("lang")[:2] == language, (name, locale)
                for colours, options in ((scheme, EVERY_RULE), (other_scheme, CONTRAST)):
                    page.emulate_media(color_scheme=colours)
                    found += [f"{name} ({path}, {locale}, {colours}): {problem}" for problem in audit(page, options)]
                    audited.append((locale, colours, name))
        context.close()
    pages = len(public_paths(tour)) + len(dashboard_paths(tour))
    assert len(set(audited)) == 4 * pages  # each page in both languages and both schemes
    assert found == [], "\n".join(found)
