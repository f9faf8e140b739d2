"""The live page's error curve in a real browser: every text drawn on its canvas lies inside it
(the caption of the best epoch was cut at the right)."""
from __future__ import annotations

import json

import pytest
from viewhelpers import CHROMIUM, ROOT, Chromium

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine "
                                "(Debian: apt-get install chromium; .ci/run installs it)")

# every text drawCurve writes, with where it starts and ends on the canvas
RECORD = """(() => {
  const canvas = document.createElement("canvas");
  canvas.width = 540; canvas.height = 220;
  const ctx = canvas.getContext("2d"), texts = [], fill = ctx.fillText.bind(ctx);
  ctx.fillText = (text, x, y) => {
    const w = ctx.measureText(text).width;
    const left = ctx.textAlign === "right" || ctx.textAlign === "end" ? x - w :
      ctx.textAlign === "center" ? x - w / 2 : x;
    texts.push({text, left, right: left + w});
    fill(text, x, y);
  };
  drawCurve(canvas, CURVE, BEST, "crossentropy");
  return texts;
})()"""


def test_every_text_of_the_curve_is_inside_the_canvas(tmp_path):
    n = 12000
    curve = {"epoch": list(range(n + 1)), "train": [1.0 / (e + 1) for e in range(n + 1)],
             "val": [1.23456789e-3 + 1.0 / (e + 1) for e in range(n + 1)],
             "test": [None] * (n + 1)}
    script = (ROOT / "bpnet" / "view" / "page" / "view.js").read_text()
    browser = Chromium(tmp_path / "profile")
    try:
        browser.evaluate('document.body.innerHTML = \'<div id="stop"></div><div id="run"></div>'
                         '<div id="models"></div><div id="stage"></div>\'')
        browser.call("Runtime.evaluate", expression=script)
        texts = browser.evaluate(f"const CURVE = {json.dumps(curve)}, BEST = 11999; {RECORD}")
    finally:
        browser.close()
    caption = [t for t in texts if t["text"].startswith("Best validation performance")]
    assert caption and str(n) in [t["text"] for t in texts]
    for t in texts:
        assert 0 <= t["left"] and t["right"] <= 540, t
