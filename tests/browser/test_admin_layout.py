"""In real Chromium: the admin's question list shows every column without scrolling on a 1280 px screen, and on a
390 px phone neither it nor the public moderation log is wider than the screen or cuts a word in two."""

import pytest
from django.contrib.auth import get_user_model

from ama import services
from federation.models import Actor

pytestmark = pytest.mark.browser
PASSWORD = "pw-correct-horse"
LONG_TITLE = "AMA : modèles ouverts, données et logiciel libre — posez-moi vos questions sur tout cela"
COLUMNS = ["question", "asker", "AMA", "state", "votes", "flags", "received"]
WORDS_CUT_IN_TWO = """() => {
  const cut = [];
  const walker = document.createTreeWalker(document.querySelector(arguments[0] || 'body'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) cut.push(match[0]);
    }
  }
  return cut;
}"""
OVERFLOW = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture
def questions(transactional_db, open_ama):
    open_ama.title = LONG_TITLE
    open_ama.save(update_fields=["title"])
    for n, text in enumerate(["Quel est le coût énergétique d'un entraînement comme ceux que vous faites, et est-il "
                              "publié quelque part avec les jeux de données ?", "Which licence?", "Publicité"]):
        author = Actor.objects.create(ap_id=f"https://mastodon.example/users/asker_{n}_longname",
                                      username=f"asker_{n}_longname", domain="mastodon.example",
                                      inbox=f"https://mastodon.example/users/asker_{n}/inbox")
        question = services.question_receive(ama=open_ama, author=author, ap_id=f"https://mastodon.example/n/{n}",
                                             content_html=f"<p>{text}</p>", in_reply_to=open_ama.ap_id)
        if n == 2:
            services.question_reject(question=question, reason="spam", note="publicité")
        else:
            services.question_approve(question=question)
    return open_ama


def signed_in_page(chromium, live_server, width, locale="en-US"):
    get_user_model().objects.create_superuser("admin", password=PASSWORD)
    page = chromium.new_page(viewport={"width": width, "height": 900}, locale=locale)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click('input[type="submit"]')
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def test_the_question_list_fits_a_laptop_screen(chromium, live_server, questions):
    page = signed_in_page(chromium, live_server, 1280)
    page.goto(f"{live_server.url}/admin/ama/question/")
    page.screenshot(path="/tmp/h3-test-admin-1280.png")
    scroll, client = page.evaluate(OVERFLOW)
    assert scroll <= client
    results = page.locator("#changelist .results")
    assert results.evaluate("box => box.scrollWidth <= box.clientWidth")  # no column behind a scroll bar
    headers = [text.strip() for text in page.locator("#result_list thead th").all_inner_texts()]
    for name in COLUMNS:
        header = page.locator("#result_list thead th").nth(headers.index(name.upper()))
        box = header.bounding_box()
        assert header.is_visible() and box["x"] + box["width"] <= 1280, name
    lines = page.locator("#result_list tbody td.field-excerpt").first.evaluate(
        "cell => Math.round(cell.getBoundingClientRect().height / parseFloat(getComputedStyle(cell).lineHeight))")
    assert lines <= 4  # a 100-character excerpt reads in a few lines, not a word a line


@pytest.mark.parametrize("path", ["/admin/ama/question/", "/amas/{slug}/moderation"])
def test_a_phone_gets_no_page_wider_than_itself_and_no_word_cut(chromium, live_server, questions, path):
    page = signed_in_page(chromium, live_server, 390, locale="fr-FR")  # French words were the ones cut
    page.goto(live_server.url + path.format(slug=questions.slug))
    page.screenshot(path=f"/tmp/h3-test-{'log' if 'moderation' in path else 'admin'}-390.png", full_page=True)
    scroll, client = page.evaluate(OVERFLOW)
    assert scroll <= client
    if "moderation" in path:
        assert page.evaluate(WORDS_CUT_IN_TWO.replace("arguments[0] || 'body'", "'table.moderation-log'")) == []
