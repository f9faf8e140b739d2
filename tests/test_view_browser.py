"""The live training page in a real browser: headless Chromium (Debian's package ``chromium``,
installed by .ci/run) loads the page of a real run, its bars move between two screenshots a
second apart, and a mouse click on Stop Training stops the run.

BPNET_VIEW_SCREENSHOT=path saves the whole page as the test sees it (the README's picture).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from viewhelpers import CHROMIUM, ROOT, Chromium, ViewRun, training

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine "
                                "(Debian: apt-get install chromium; .ci/run installs it)")

EPOCH_BAR = '#model-bp tr[data-bar="Epoch"] .bar'


def test_bars_move_and_stop_training_is_a_click(tmp_path):
    # the docs' picture shows the demo's own output folder (a stopped run writes nothing there)
    shot = os.environ.get("BPNET_VIEW_SCREENSHOT")
    out = Path("results/passengers") if shot else tmp_path / "out"
    run = ViewRun(str(ROOT / "configs" / "passengers.yaml"), "--out", str(out),
                  "--set", "train.epochs=20000", "--set", "train.time=120", "--quiet")
    browser = Chromium(tmp_path / "profile")
    try:
        browser.call("Page.enable")
        browser.call("Page.navigate", url=run.url)
        browser.wait_for(f"document.querySelector('{EPOCH_BAR} .fill') !== null && "
                         f"document.querySelector('{EPOCH_BAR} .fill').offsetWidth > 0")
        width = f"document.querySelector('{EPOCH_BAR} .fill').getBoundingClientRect().width"
        clip = browser.rect(EPOCH_BAR)
        before, shot_before = browser.evaluate(width), browser.screenshot(clip)
        time.sleep(1.0)
        after, shot_after = browser.evaluate(width), browser.screenshot(clip)
        assert after > before and shot_after != shot_before
        assert browser.evaluate("document.querySelector('#model-bp canvas.curve')"
                                ".toDataURL().length") > 2000   # the error curve is drawn
        if shot:
            with open(shot, "wb") as fh:
                fh.write(browser.screenshot())
        assert not run.status()["stop_requested"]
        browser.click("#stop")
        end = run.wait_for(lambda s: s["exit_status"] is not None)
        assert training(end, "bp")["stop_reason"] == "User stop." and end["stop_requested"]
        browser.wait_for("document.getElementById('stage').textContent"
                         ".includes('exit status 130')")
        assert browser.evaluate("document.getElementById('stop').disabled")
    finally:
        browser.close()
        code, _, err = run.finish()
    assert code == 130, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["models"]["bp"]["stop_reason"] == "User stop."
