"""The workspace at 1280x800, 1024x768, 768x1024 and 390x844, light and dark, for the candidate, the interviewer
and the embed view: a screenshot of each (test-artifacts/layout/), and its geometry checked — nothing wider than
the screen, no control cut off or outside the viewport, no control or label over another's text, the editor on
the first screen, and the output at least 40 % of the side column when its tab is open."""

from __future__ import annotations


import pytest
from playwright.async_api import expect

from .conftest import ARTIFACTS, create_session, create_session_links
from .helpers import connected

SIZES = [(1280, 800), (1024, 768), (768, 1024), (390, 844)]
SCHEMES = ["light", "dark"]
SHOTS = ARTIFACTS / "layout"

# Measured in the page: every visible control and text, with the part of it its clipping ancestors leave visible.
GEOMETRY = """() => {
  const W = innerWidth, H = innerHeight;
  const CONTROLS = 'button, a[href], input:not([type=hidden]), select, textarea, [role=tab], [role=separator], summary';
  const shown = (el) => {
    if (!el.getClientRects().length || !el.checkVisibility({visibilityProperty: true})) return false;
    for (let e = el; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) return false;
      if (e.hidden || e.closest('[inert]')) return false;
    }
    return true;
  };
  const name = (el) => (el.getAttribute('aria-label') || el.textContent || el.id || el.className || el.tagName)
    .trim().replace(/\\s+/g, ' ').slice(0, 40) + ` <${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}>`;
  // The box left visible by every ancestor that clips (overflow other than visible), and whether one scrolls.
  const visibleBox = (el) => {
    let r = el.getBoundingClientRect();
    let box = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
    let scrolls = false;
    for (let e = el.parentElement; e && e !== document.documentElement; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      if (/auto|scroll/.test(style.overflowX + style.overflowY)) scrolls = true;
      const c = e.getBoundingClientRect();
      box = {left: Math.max(box.left, c.left), top: Math.max(box.top, c.top),
             right: Math.min(box.right, c.right), bottom: Math.min(box.bottom, c.bottom)};
    }
    return {box, full: {left: r.left, top: r.top, right: r.right, bottom: r.bottom}, scrolls};
  };
  const area = (b) => Math.max(0, b.right - b.left) * Math.max(0, b.bottom - b.top);
  const problems = [];
  const inEditor = (el) => el.closest('.cm-editor, .output, .chat-log, .problem-prompt, .notes-pane textarea');
  const controls = [...document.querySelectorAll(CONTROLS)].filter((el) => shown(el) && !el.closest('.cm-editor'));
  const boxes = [];
  for (const el of controls) {
    const {box, full, scrolls} = visibleBox(el);
    const whole = area(full), seen = area(box);
    if (whole === 0) continue;
    if (seen === 0 && !scrolls) continue; // clipped away entirely: not on screen (e.g. a chip that wrapped out of sight)
    if (!scrolls && seen < whole * 0.9) problems.push(`cut off (${Math.round(100 * seen / whole)}% visible): ${name(el)}`);
    if (full.left < -1 || full.right > W + 1) problems.push(`outside the viewport horizontally: ${name(el)}`);
    if (el.closest('header, nav.hostbar') && (full.top < -1 || full.bottom > H + 1)) problems.push(`top bar control off screen: ${name(el)}`);
    if (!scrolls) boxes.push({el, box});
  }
  // Text of labels, headings and controls: nothing else may sit over it.
  const texts = [...document.querySelectorAll('body *')].filter((el) => shown(el) && !inEditor(el) &&
    [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()));
  const glyphs = (t) => [...t.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim()).flatMap((n) => {
    const range = document.createRange();
    range.selectNodeContents(n);
    return [...range.getClientRects()];
  });
  for (const t of texts) {
    const clip = visibleBox(t).box;
    for (const g of glyphs(t)) {
    const tb = {left: Math.max(g.left, clip.left), top: Math.max(g.top, clip.top),
                right: Math.min(g.right, clip.right), bottom: Math.min(g.bottom, clip.bottom)};
    if (area(tb) === 0) continue;
    for (const {el, box} of boxes) {
      if (el === t || el.contains(t) || t.contains(el)) continue;
      const overlap = area({left: Math.max(tb.left, box.left), top: Math.max(tb.top, box.top),
                            right: Math.min(tb.right, box.right), bottom: Math.min(tb.bottom, box.bottom)});
      if (overlap > 4 && getComputedStyle(el).position !== 'fixed') {
        // Only what is painted above the text covers it.
        const x = (Math.max(tb.left, box.left) + Math.min(tb.right, box.right)) / 2;
        const y = (Math.max(tb.top, box.top) + Math.min(tb.bottom, box.bottom)) / 2;
        const top = document.elementFromPoint(x, y);
        if (top && (el.contains(top)) && !t.contains(top)) problems.push(`${name(el)} covers the text of ${name(t)}`);
      }
    }
    }
  }
  if (document.documentElement.scrollWidth > W + 1) problems.push(`page wider than the screen: ${document.documentElement.scrollWidth} > ${W}`);
  const ed = document.querySelector('.cm-editor');
  const er = ed && ed.getBoundingClientRect();
  const editorOnScreen = er ? Math.max(0, Math.min(er.bottom, H) - Math.max(er.top, 0)) : 0;
  if (editorOnScreen < Math.min(150, H * 0.25)) problems.push(`editor shows ${Math.round(editorOnScreen)} px on the first screen`);
  const side = document.querySelector('#side');
  const out = document.querySelector('#output');
  if (side && out && shown(side) && shown(out) && !side.classList.contains('collapsed')) {
    const share = out.getBoundingClientRect().height / side.getBoundingClientRect().height;
    if (share < 0.4) problems.push(`the output is ${Math.round(share * 100)}% of the side column`);
  }
  return problems;
}"""


async def check_every_size(page, role: str) -> list[str]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = []
    for width, height in SIZES:
        for scheme in SCHEMES:
            await page.set_viewport_size({"width": width, "height": height})
            await page.emulate_media(color_scheme=scheme)
            await page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
            await page.screenshot(path=str(SHOTS / f"{role}-{width}x{height}-{scheme}.png"))
            found += [f"{role} {width}x{height} {scheme}: {problem}" for problem in await page.evaluate(GEOMETRY)]
    return found


@pytest.mark.parametrize("role", ["candidate", "host", "embed"])
async def test_every_screen_size_in_light_and_dark(pages, server_url, role):
    links = create_session_links(server_url, language="python", problem="two-sum")
    if role == "embed":
        page = await connected(await pages.person(f"{server_url}/embed/{create_session(server_url)}", name="Student"))
    else:
        url = links["host_url"] if role == "host" else links["join_url"]
        page = await connected(await pages.person(url, name="Ada Lovelace" if role == "host" else "Grace Hopper"))
        other = await connected(await pages.person(links["join_url"], name="Katherine Johnson"))
        await expect(page.get_by_text("Katherine Johnson").first).to_be_attached()
        await other.close()
    problems = await check_every_size(page, role)
    assert problems == [], "\n".join(problems)
