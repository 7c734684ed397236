"""Screenshots of every page at 1366 and 390 px, from the demo data, in real Chromium.

    make screenshots          (or: python tools/screenshots.py [--out var/screenshots])

Starts `posventa run` on a fresh data directory (so the demo is loaded), logs in as the
demo users (staff pages in English, Spanish and Swedish), opens the portal through a demo
customer's signed link, and the public site page and web form. One PNG per page and width.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTHS = (1366, 390)
PASSWORD = "posventa-demo"
STAFF = {"demo-manager": "en", "demo-madrid": "es", "demo-goteborg": "sv"}
STAFF_PAGES = [
    "/cases/team/",
    "/cases/all/",
    "/waiting/",
    "/cases/",
    "/cases/unassigned/",
    "/customers/",
    "/inbox/quarantine/",
    "/compliance/",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_demo(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "POSVENTA_DATA_DIR": str(data_dir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "posventa.cli", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _attempt in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the demo server did not start")


def portal_link(data_dir: Path) -> str:
    """A demo customer's signed portal link, taken from an acknowledgement it was sent."""
    for path in sorted((data_dir / "sent-mail").glob("*")):
        for line in path.read_text(errors="replace").splitlines():
            if "/portal/" in line and "http" in line:
                return "/portal/" + line.split("/portal/", 1)[1].strip().split()[0]
    return ""


def shoot(tab, base: str, path: str, out: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    response = tab.goto(base + path)
    tab.wait_for_load_state()
    if response is None or response.status != 200:  # e.g. "all cases" is for managers
        return
    tab.screenshot(path=str(out / f"{name}.png"), full_page=True)
    print(out / f"{name}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="var/screenshots")
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="posventa-shots-") as folder:
        data_dir = Path(folder)
        server = start_demo(data_dir, port)
        try:
            time.sleep(3)  # the worker sends the acknowledgements (with the portal links)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                for width in WIDTHS:
                    for user, language in STAFF.items():
                        context = browser.new_context(viewport={"width": width, "height": 900})
                        tab = context.new_page()
                        tab.goto(f"{base}/login/")
                        tab.fill("input[name=username]", user)
                        tab.fill("input[name=password]", PASSWORD)
                        tab.click("form[action='/login/'] button[type=submit]")
                        tab.wait_for_load_state()
                        for path in STAFF_PAGES:
                            slug = path.strip("/").replace("/", "-") or "home"
                            shoot(tab, base, path, out, f"{width}-{language}-{slug}")
                        tab.goto(f"{base}/waiting/")
                        first_case = tab.locator("table.waiting a[href^='/cases/']").first
                        if first_case.count():
                            shoot(
                                tab,
                                base,
                                first_case.get_attribute("href") or "/",
                                out,
                                f"{width}-{language}-case",
                            )
                        tab.goto(f"{base}/customers/")
                        customer = tab.locator("table.data a").first
                        if customer.count():
                            shoot(
                                tab,
                                base,
                                customer.get_attribute("href") or "/",
                                out,
                                f"{width}-{language}-customer",
                            )
                        context.close()
                    context = browser.new_context(viewport={"width": width, "height": 900})
                    tab = context.new_page()
                    shoot(tab, base, "/login/", out, f"{width}-login")
                    for slug in ("madrid-norte", "goteborg-hisingen"):
                        shoot(tab, base, f"/s/{slug}/", out, f"{width}-site-{slug}")
                        shoot(tab, base, f"/in/form/{slug}/", out, f"{width}-web-form-{slug}")
                    link = portal_link(data_dir)
                    if link:
                        shoot(tab, base, link, out, f"{width}-portal")
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
