"""Re-take the README's screenshots of the review app: the queue and an item page with a bulk accept.

    .venv/bin/python docs/screenshots.py   # after the README's first command wrote out/seeds.jsonl

Runs the real app on the sample's results (decisions in a temporary database) and drives Debian's
chromium with Playwright, as the review app's tests do.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from extractor.review.app import create_app
from extractor.review.decisions import DecisionStore

HERE = Path(__file__).parent
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def serve(results: Path, db: Path) -> tuple[str, uvicorn.Server, object]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(results, DecisionStore(db), "王芳")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, app


def main(results: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url, server, app = serve(results, Path(tmp) / "reviews.sqlite")
        queue = app.state.queue  # type: ignore[attr-defined]
        # The item whose reason is shared by the most fields of one report: the bulk accept shows.
        groups = Counter((i.content_hash, i.kind) for i in queue)
        n = next(k for k, i in enumerate(queue) if (i.content_hash, i.kind) == groups.most_common(1)[0][0])
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 820})
            page.goto(f"{url}/queue")
            page.screenshot(path=HERE / "review-queue.png")
            page.goto(f"{url}/item/{n}")
            page.locator("#accept-report").hover()
            page.screenshot(path=HERE / "review-item.png")
            browser.close()
        server.should_exit = True


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "out/seeds.jsonl"))
