"""The HTML preview of a digest in a real browser: the charts load and nothing is wider
than the message.

`metrics-bot digest` and the demo write the preview (bot.cli.digest.write_preview); headless
Chromium opens it as a person would, a script measures the laid-out page and writes what it
found into the DOM, and `--dump-dom` hands that back. Measured at a desktop message column
and at a phone-sized one. Needs Debian's `chromium`: the test fails (does not skip) without
it, saying how to install it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.cli.digest import write_preview
from bot.digest.build import build_digest
from bot.preview import MESSAGE_WIDTH_PX
from bot.slack.charts import DISPLAY_WIDTH_PX, SCALE
from tests.bot.glance import glance_engine
from tests.bot.helpers import make_deps

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)

MEASURE = """
<script>
window.addEventListener('load', () => {
  const msg = document.querySelector('.msg');
  const box = msg.getBoundingClientRect();
  const style = getComputedStyle(msg);
  const left = box.left + parseFloat(style.paddingLeft) - 0.5;
  const right = box.right - parseFloat(style.paddingRight) + 0.5;
  const over = [];
  for (const el of msg.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    const what = el.tagName + ' ' + (el.getAttribute('alt') || el.textContent).slice(0, 50);
    if (r.width > 0 && (r.left < left || r.right > right)) {
      over.push(what + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      over.push(what + ' scrolls ' + el.scrollWidth + ' > ' + el.clientWidth);
    }
  }
  const images = Array.from(document.images).map(img => ({
    alt: img.alt, complete: img.complete, natural: img.naturalWidth,
    shown: img.getBoundingClientRect().width,
  }));
  const out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = JSON.stringify({
    message: box.width, page: document.documentElement.scrollWidth,
    viewport: window.innerWidth, over: over, images: images,
  });
  document.body.appendChild(out);
});
</script>
"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "chromium is not installed, so the digest preview cannot be checked in a browser: "
            "install it with `apt-get update && apt-get install -y chromium` (Debian/Ubuntu) "
            "and run the test again"
        )
    return found


def measure(page: Path, width: int, profile: Path) -> dict[str, Any]:
    """Open `page` in a window `width` px wide; what the script measured once it loaded."""
    run = subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},2400",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = re.search(r'<pre id="measured">(.*?)</pre>', run.stdout, re.S)
    assert found, f"the page did not report its layout (exit {run.returncode}): {run.stderr}"
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


@pytest.fixture
def preview(db_url: str, tmp_path: Path) -> Path:
    """The preview `metrics-bot digest` writes for a week with two flags and three charts."""
    deps = make_deps(db_url, tiny=glance_engine(), migrate=False)
    team = deps.team("team-a")
    assert team is not None
    digest = build_digest(deps, team, "2026-W47")
    deps.engine.dispose()
    assert len(digest.series) == 3
    _, page = write_preview(digest, tmp_path / "out")
    page.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    return page


PHONE_COLUMN_PX = 360


@pytest.mark.parametrize("column", [MESSAGE_WIDTH_PX, PHONE_COLUMN_PX])
def test_preview_charts_load_and_nothing_overflows_the_message(
    preview: Path, tmp_path: Path, column: int
) -> None:
    if column != MESSAGE_WIDTH_PX:
        narrow = f"<style>.msg{{max-width:{column}px}}</style></head>"
        preview.write_text(preview.read_text().replace("</head>", narrow))
    found = measure(preview, MESSAGE_WIDTH_PX + 60, tmp_path / "profile")
    assert found["images"], "the preview shows no chart"
    for img in found["images"]:
        assert img["complete"] and img["natural"] == DISPLAY_WIDTH_PX * SCALE, img
        assert 0 < img["shown"] <= DISPLAY_WIDTH_PX, img  # 2x pixels, never blown up
    assert found["over"] == []
    assert found["page"] <= found["viewport"]  # no sideways scrolling
    assert found["message"] == column
    if column == MESSAGE_WIDTH_PX:  # room enough: shown at exactly the size drawn for
        assert all(img["shown"] == DISPLAY_WIDTH_PX for img in found["images"])
