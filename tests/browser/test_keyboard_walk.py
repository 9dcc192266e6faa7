"""Keyboard only, in real Chromium (Tab, Shift+Tab, Enter, Space, typed text and the console's own keys; no click,
no mouse): a visitor on the live AMA page opens the ask box and types their handle, sorts by votes and opens a
follow-up thread; the host signs in, opens the AMA's console and answers a question. Every element the keyboard
focuses on the way shows it (a computed outline or box-shadow)."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

MAX_TABS = 150
FOCUSED = """() => {
  const node = document.activeElement;
  if (!node || node === document.body) { return null; }
  const style = getComputedStyle(node);
  return {what: node.tagName.toLowerCase() + (node.id ? '#' + node.id : '')
                + (node.className && typeof node.className === 'string' ? '.' + node.className.trim().split(/\\s+/).join('.') : '')
                + ' "' + (node.innerText || node.value || '').trim().slice(0, 40) + '"',
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
          shadow: style.boxShadow !== 'none' && style.boxShadow !== ''};
}"""


class Keyboard:
    """Presses keys on a page and remembers every focused element that showed no focus."""

    def __init__(self, page):
        self.page, self.unseen = page, []

    def check_focus(self) -> None:
        focused = self.page.evaluate(FOCUSED)
        if focused and not (focused["outline"] or focused["shadow"]):
            self.unseen.append(f"{self.page.url}: {focused['what']}")

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.check_focus()

    def follow(self, key: str) -> None:
        """Press a key that loads another page (a link, a form's submit button)."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.check_focus()

    def tab_to(self, selector: str, backwards: bool = False) -> None:
        """Tab (or Shift+Tab) until the focused element matches `selector`."""
        for _ in range(MAX_TABS):
            self.press("Shift+Tab" if backwards else "Tab")
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{selector} never got the focus in {MAX_TABS} tabs on {self.page.url}")


def test_a_visitor_and_the_host_do_everything_with_the_keyboard(live_site, tour, chromium):
    from playwright.sync_api import expect

    context = chromium.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    keys = Keyboard(page)
    page.goto(f"{live_site.url}/amas/{tour.live_slug}")

    keys.tab_to("#take-part > summary")  # the compact "Ask or vote from your account"
    keys.press("Enter")
    expect(page.locator("#take-part")).to_have_attribute("open", "")
    keys.tab_to("#take-part input[name=handle]")
    page.keyboard.type("@reader@social.example")
    expect(page.locator("#take-part input[name=handle]")).to_have_value("@reader@social.example")

    keys.tab_to("nav.sorts a[href^='?sort=oldest']")
    keys.tab_to("nav.sorts a[href^='?sort=top']", backwards=True)
    keys.follow("Enter")
    page.wait_for_url(re.compile(r"\?sort=top$"))
    expect(page.locator("nav.sorts a[aria-current=page]")).to_have_attribute("href", re.compile(r"^\?sort=top"))

    keys.tab_to("details.follow-ups:not([open]) > summary")
    thread = page.locator("details.follow-ups:focus-within").first
    keys.press("Space")
    expect(thread).to_have_attribute("open", "")
    expect(thread.locator("article.question").first).to_be_visible()

    page.goto(f"{live_site.url}/accounts/login/")  # the host, still with the keyboard only
    keys.check_focus()  # the username field has the focus on arrival
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.type(tour.host_username)
    keys.press("Tab")
    page.keyboard.type(tour.host_password)
    keys.follow("Enter")
    page.wait_for_url(re.compile(r"/dashboard/$"))
    keys.tab_to(f"a[href='/dashboard/{tour.live_slug}/']")
    keys.follow("Enter")
    page.wait_for_url(re.compile(rf"/dashboard/{tour.live_slug}/$"))

    current = page.locator("main article.question.kbd-current")
    for _ in range(60):  # j: the next question, until one waits for an answer
        keys.press("j")
        if current.locator("textarea").count() and "answered" not in (current.get_attribute("class") or ""):
            break
    else:
        raise AssertionError("no question waiting for an answer on the console")
    expect(current).to_be_focused()
    question_id = current.get_attribute("id")
    keys.press("Enter")  # into the answer box
    expect(page.locator(f"#{question_id} textarea")).to_be_focused()
    page.keyboard.type("Answered with the keyboard alone.")
    keys.tab_to(f"#{question_id} button[name=publish]")
    keys.follow("Enter")
    page.wait_for_url(re.compile(rf"#{question_id}$"))
    expect(page.locator(".messages")).to_contain_text("Your answer is published.")

    page.goto(f"{live_site.url}/amas/{tour.live_slug}/questions/{question_id.removeprefix('q-')}")
    expect(page.locator(f"#{question_id} section.answer").first).to_contain_text("Answered with the keyboard alone.")
    assert keys.unseen == [], "focused without a visible focus:\n" + "\n".join(keys.unseen)

    keys.press("Tab")  # the check itself: a focused element stripped of its outline and shadow is caught
    page.evaluate("""() => ['outline', 'box-shadow'].forEach(
        property => document.activeElement.style.setProperty(property, 'none', 'important'))""")
    keys.check_focus()
    assert len(keys.unseen) == 1
    context.close()
