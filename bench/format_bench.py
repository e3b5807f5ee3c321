"""Format's time in real Chromium on loopback (issue 24): pressing Format on a messy 300-line file until the formatted
text is in the editor, cold (the code-tools worker started, Ruff's wasm or Prettier fetched and compiled on that
press) and warm (the same file again after an undo), for Python (Ruff) and JavaScript (Prettier).

    .venv/bin/python bench/format_bench.py [--runs 5] [--out bench/results/format.json]

Starts its own server (this checkout's code, memory store, temporary folder) and drives /usr/bin/chromium
(CHROMIUM_PATH to choose another) through Playwright. Each run opens a new browser context (an empty cache) on a new
session. Times come from the page's clock: from the click on Format (a listener in the capture phase) to the
`format-applied` mark of static/src/code-tools/format.js. The text is put in and Format pressed at once, before
lint's first run (500 ms after the last change), so the press is what starts the worker. Prints a table and writes
the runs and medians to the JSON file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from playwright.async_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, Server
from page_bench import NAME_KEY, served_chromium

LINES = 300
WARM_PRESSES = 3
CLICKS = """document.addEventListener("click", (event) => {
  if (event.target.closest?.("#format-button")) window.__formatClicks = [...(window.__formatClicks ?? []), performance.now()];
}, true);"""
APPLIED = "performance.getEntriesByName('format-applied').length"


def messy_python(lines: int = LINES) -> str:
    block = [
        "def  compute_{n}( items,factor = {n} ):",
        "  total_value=0",
        "  for item in items :",
        "      if item%2==0 : total_value+= item*factor",
        "      else:total_value -=item",
        "  return {{ 'total':total_value,'count' : len(items) }}",
        "result_{n}=compute_{n}( [1,2,3,4],factor= 2 )",
        "print( result_{n}['total'] , 'done' )",
        "",
        "",
    ]
    return "\n".join(line.format(n=n) for n in range(lines // len(block)) for line in block) + "\n"


def messy_javascript(lines: int = LINES) -> str:
    block = [
        "function  compute_{n}(items,factor={n}){{",
        "let total=0",
        "for(const item of items){{ if(item%2===0){{total+=item*factor}} else {{ total-=item }} }}",
        "return {{total:total,'count':items.length}}",
        "}}",
        "const result_{n}=compute_{n}( [1,2,3,4],2 )",
        "console.log( result_{n}.total , 'done' )",
        "const names_{n} = [ 'a','b' ].map( (x)=>x.toUpperCase() )",
        "",
        "",
    ]
    return "\n".join(line.format(n=n) for n in range(lines // len(block)) for line in block) + "\n"


async def one_language(browser, base: str, http: aiohttp.ClientSession, language: str, code: str) -> dict:
    async with http.post(f"{base}/api/sessions", json={"language": language}) as response:
        session_id = (await response.json())["session_id"]
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.add_init_script(f"localStorage.setItem({NAME_KEY!r}, 'Bench');")
    await page.add_init_script(CLICKS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    try:
        await page.goto(f"{base}/session/{session_id}")
        editor = page.get_by_role("textbox", name="Code editor")
        await expect(editor).to_be_visible(timeout=15_000)
        await editor.click()
        await page.keyboard.press("ControlOrMeta+a")
        await page.keyboard.insert_text(code)
        before = await page.evaluate("window.pad.getText()")
        button = page.get_by_role("button", name="Format")
        times = []
        for press in range(1 + WARM_PRESSES):
            await button.click()
            await page.wait_for_function(f"() => {APPLIED} > {press}", timeout=60_000)
            times.append(
                await page.evaluate(
                    f"""() => performance.getEntriesByName('format-applied')[{press}].startTime -
                        window.__formatClicks[{press}]"""
                )
            )
            formatted = await page.evaluate("window.pad.getText()")
            await editor.focus()
            await page.keyboard.press("ControlOrMeta+z")
            await page.wait_for_function("(before) => window.pad.getText() === before", arg=before)
        return {
            "cold_ms": round(times[0], 1),
            "warm_ms": [round(t, 1) for t in times[1:]],
            "lines": code.count("\n"),
            "formatted_lines": formatted.count("\n"),
            "errors": errors,
        }
    finally:
        await context.close()


def dist_sizes() -> dict:
    """Brotli sizes (kB) of what the first format loads beyond the worker, as served."""
    dist = ROOT / "static" / "dist"

    def br(pattern: str) -> float:
        return round(sum(path.stat().st_size for path in dist.glob(pattern + ".br")) / 1000, 1)

    return {"ruff_wasm_br_kb": br("ruff_wasm_bg-*.wasm"), "code_tools_worker_br_kb": br("code-tools-worker-*.js")}


async def main(args) -> int:
    load_before = os.getloadavg()
    data_dir = tempfile.mkdtemp(prefix="format-bench-")
    server = Server("memory", data_dir, command=[sys.executable, "-m", "interview_server"])
    runs = []
    try:
        async with served_chromium(server) as (http, base, browser):
            for index in range(args.runs):
                run = {
                    "python": await one_language(browser, base, http, "python", messy_python()),
                    "javascript": await one_language(browser, base, http, "javascript", messy_javascript()),
                }
                runs.append(run)
                print(
                    f"run {index + 1}/{args.runs}: Python cold {run['python']['cold_ms']:.0f} ms, warm "
                    f"{statistics.median(run['python']['warm_ms']):.0f} ms; JavaScript cold "
                    f"{run['javascript']['cold_ms']:.0f} ms, warm {statistics.median(run['javascript']['warm_ms']):.0f} ms",
                    flush=True,
                )
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    summary = {}
    for language in ("python", "javascript"):
        cold = [run[language]["cold_ms"] for run in runs]
        warm = [t for run in runs for t in run[language]["warm_ms"]]
        summary[language] = {
            "cold_median_ms": statistics.median(cold),
            "cold_max_ms": max(cold),
            "warm_median_ms": statistics.median(warm),
            "warm_max_ms": max(warm),
            "lines": runs[0][language]["lines"],
            "formatted_lines": runs[0][language]["formatted_lines"],
        }
    print(
        f"\n{'Format, a messy 300-line file':<36} {'cold median':>12} {'cold max':>9} {'warm median':>12} {'warm max':>9}"
    )
    for language, label in (("python", "Python (Ruff wasm)"), ("javascript", "JavaScript (Prettier)")):
        s = summary[language]
        print(
            f"{label:<36} {s['cold_median_ms']:>9.0f} ms {s['cold_max_ms']:>6.0f} ms "
            f"{s['warm_median_ms']:>9.0f} ms {s['warm_max_ms']:>6.0f} ms"
        )
    sizes = dist_sizes()
    print(
        f"served (brotli): Ruff's wasm {sizes['ruff_wasm_br_kb']} kB, the worker {sizes['code_tools_worker_br_kb']} kB"
    )
    load_after = os.getloadavg()
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs")
    problems = sorted({e for run in runs for language in run.values() for e in language["errors"]})
    if problems:
        print("console errors:\n  " + "\n  ".join(problems))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "machine": platform.platform(),
                "cpus": os.cpu_count(),
                "load_average_before": load_before,
                "load_average_after": load_after,
                "sizes": sizes,
                "summary": summary,
                "runs": runs,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"\nwrote {out}")
    return 1 if problems else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "format.json"))
    sys.exit(asyncio.run(main(parser.parse_args())))
