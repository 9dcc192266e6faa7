"""The README's screenshots, made again from the current code: the demo AMA (`manage.py seed_demo`, as `make run`
loads it) on the production server (gunicorn, as the Procfile starts it) with its own var dir and port, in
Debian's Chromium (/usr/bin/chromium) through Playwright. The AMA page live, then closed (ended), on a desktop
(1280 px wide) and a phone (390 px), what the first screen shows; English and French.

    .venv/bin/python docs/screenshots.py          # writes docs/screenshots/ama-{live,ended}-{desktop,phone}[-fr].png

Nothing is fetched from the network: the demo's accounts are made up (.example / .invalid). The server's domain
is ama.example (Chromium maps it to the local port), so handles read as they would on a real server. Emoji need
a colour emoji font (Debian: fonts-noto-color-emoji), or they show as boxes."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
OUT = BASE_DIR / "docs" / "screenshots"
VAR_DIR = "var/screenshots"
BIN = BASE_DIR / ".venv" / "bin"
CHROMIUM = "/usr/bin/chromium"
DOMAIN = "ama.example"
SLUG = "ama-modeles-ouverts"  # seeds/demo_ama.json
DEVICES = {"desktop": {"viewport": {"width": 1280, "height": 900}},
           "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}}
LOCALES = {"": "en-US", "-fr": "fr-FR"}
CLOSE = f"from ama import services; from ama.models import Ama; services.ama_close(ama=Ama.objects.get(slug={SLUG!r}))"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(port: int) -> dict:
    env = {**os.environ, "DEBUG": "1", "FEDIAMA_SCHEME": "http", "FEDIAMA_DOMAIN": DOMAIN,
           "FEDIAMA_VAR_DIR": VAR_DIR, "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "config.settings",
           "PORT": str(port)}
    for name in ("DATABASE_URL", "REDIS_URL", "FEDIAMA_TASKS_EAGER", "FEDIAMA_ALLOW_PRIVATE_ADDRESSES"):
        env.pop(name, None)
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=BASE_DIR, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.asgi:application",
                               "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning"], cwd=BASE_DIR, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


def shoot(browser, url: str, state: str) -> list[Path]:
    written = []
    for device, options in DEVICES.items():
        for suffix, locale in LOCALES.items():
            context = browser.new_context(locale=locale, color_scheme="light", timezone_id="Europe/Paris",
                                          **options)
            page = context.new_page()
            page.goto(f"{url}/amas/{SLUG}")
            page.evaluate("document.fonts.ready.then(() => true)")
            page.wait_for_timeout(300)  # times.js has put the times in the reader's zone
            path = OUT / f"ama-{state}-{device}{suffix}.png"
            page.screenshot(path=path)
            written.append(path)
            context.close()
    return written


def main() -> int:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = server_env(port)
    shutil.rmtree(BASE_DIR / VAR_DIR, ignore_errors=True)
    (BASE_DIR / VAR_DIR).mkdir(parents=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo")
    OUT.mkdir(parents=True, exist_ok=True)
    server = start_server(env, port)
    written = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", f"--host-resolver-rules=MAP {DOMAIN} 127.0.0.1:{port}"])
            written += shoot(browser, f"http://{DOMAIN}", "live")
            manage(env, "shell", "-c", CLOSE)
            written += shoot(browser, f"http://{DOMAIN}", "ended")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    for path in written:
        print(f"{path.relative_to(BASE_DIR)}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
