"""TypeScript figures from real Chromium on loopback (issue 20), beside JavaScript's: what choosing the language
costs on the wire (brotli, as served: its worker and its highlighting, beyond what a Python page loads), time to
"TypeScript ready" cold and warm, a small run's round trip, Stop of an endless loop -> ready, and the editor
page's first-load JS (gzip) for a Python, a JavaScript and a TypeScript session (the budget: 150 kB).

    .venv/bin/python bench/typescript_bench.py [--runs 5] [--out bench/results/typescript.json]

Starts its own server (memory store) like bench/page_bench.py and reuses its page observer and size probes, and
sql_bench.py's first-load probe.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time

from playwright.async_api import expect

from common import ROOT, Server, median_and_max, write_result
from page_bench import new_page, served_chromium, served_sizes, set_code, timed_click
from sql_bench import create_session, first_load_js

LANGUAGES = {  # id -> (label, a one-line program and the output line it ends with, an endless loop)
    "javascript": ("JavaScript", ("console.log(6 * 7);", "^42$"), "let n = 0;\nwhile (true) n++;\n"),
    "typescript": (
        "TypeScript",
        ("const answer: number = 6 * 7;\nconsole.log(answer);", "^42$"),
        "let n: number = 0;\nwhile (true) n++;\n",
    ),
}

# The scripts a page has loaded (its own and its workers' are both in its resource timeline).
SCRIPTS = """() => performance.getEntriesByType("resource").filter((e) => /\\.m?js$/.test(new URL(e.name).pathname))
  .map((e) => ({ url: e.name, transfer: e.transferSize }))"""


async def ready(page, url: str, language: str) -> dict:
    """Navigate; ms from the navigation's start to the runner's `<id>-ready` mark."""
    label = LANGUAGES[language][0]
    await page.goto(url, wait_until="commit")
    await expect(page.get_by_role("status", name=label)).to_have_text(f"{label} ready", timeout=30_000)
    return {"ready_ms": await page.evaluate(f"performance.getEntriesByName('{language}-ready', 'mark')[0]?.startTime")}


async def one_run(browser, http, base: str, language: str) -> dict:
    """One fresh browser context: ready (cold), a run, Stop of an endless loop, then ready again (warm cache)."""
    label, (program, printed), endless = LANGUAGES[language]
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.route("**/static/pyodide/**", lambda route: route.abort())  # no Python on these pages
    try:
        page = await new_page(context)
        cold = await ready(page, f"{base}/session/{await create_session(http, base, language)}", language)
        await set_code(page, program)
        run_ms = await timed_click(page, "Run", "#output .stdout", printed)
        await expect(page.get_by_role("button", name="Run")).to_be_enabled()
        await set_code(page, endless)
        await page.get_by_role("button", name="Run").click()
        await expect(page.get_by_role("status", name=label)).to_have_text("Running…")
        await page.wait_for_timeout(300)
        stop_ms = await timed_click(page, "Stop", "#runtime-status", f"{label} ready")
        cold["scripts"] = await page.evaluate(SCRIPTS)  # by now the highlighting has loaded too
        errors = list(page.bench_errors)
        await page.close()
        page = await new_page(context)  # warm: the same HTTP cache
        warm = await ready(page, f"{base}/session/{await create_session(http, base, language)}", language)
        return {
            "cold": cold,
            "warm": warm,
            "run_ms": run_ms,
            "stop_loop_ready_ms": stop_ms,
            "console": errors + page.bench_errors,
        }
    finally:
        await context.close()


async def main(args) -> int:
    data_dir = tempfile.mkdtemp(prefix="ts-bench-")
    # This checkout's server (the venv's interview-server script may belong to another checkout, e.g. a worktree's).
    server = Server("memory", data_dir, command=[sys.executable, "-m", "interview_server"])
    result: dict = {"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count()}
    result["load_average_before"] = os.getloadavg()
    runs: dict[str, list[dict]] = {language: [] for language in LANGUAGES}
    try:
        async with served_chromium(server) as (http, base, browser):
            python_first_load = await first_load_js(browser, http, base, "python")
            for language in ("python", *LANGUAGES):
                urls = python_first_load if language == "python" else await first_load_js(browser, http, base, language)
                sizes = await served_sizes(http, urls)
                result[f"first_load_js_gzip_kb_{language}"] = round(sum(row["gzip"] for row in sizes) / 1000, 1)
            for index in range(args.runs):
                for language in LANGUAGES:
                    runs[language].append(await one_run(browser, http, base, language))
                print(f"run {index + 1}/{args.runs}", flush=True)
            # What choosing the language loads beyond a Python page's first load (the worker, the highlighting).
            for language in LANGUAGES:
                extra = sorted(
                    {script["url"] for script in runs[language][0]["cold"]["scripts"]} - set(python_first_load)
                )
                sizes = await served_sizes(http, extra)
                result[f"{language}_files"] = sizes
                result[f"{language}_files_br_kb"] = round(sum(row["br"] for row in sizes) / 1000, 1)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

    med = median_and_max

    result["summary"] = {
        language: {
            "ready_cold_ms": med([run["cold"]["ready_ms"] for run in runs[language]]),
            "ready_warm_ms": med([run["warm"]["ready_ms"] for run in runs[language]]),
            "run_ms": med([run["run_ms"] for run in runs[language]]),
            "stop_loop_ready_ms": med([run["stop_loop_ready_ms"] for run in runs[language]]),
        }
        for language in LANGUAGES
    }
    result["console"] = sorted({line for language in LANGUAGES for run in runs[language] for line in run["console"]})
    result["load_average_after"] = os.getloadavg()
    result["raw"] = runs
    write_result(result, args.out, shown=lambda key: key != "raw" and not key.endswith("_files"))
    for language in LANGUAGES:
        for row in result[f"{language}_files"]:
            print(f"{language:10} {row['file']:48} raw {row['raw']:>8}  gzip {row['gzip']:>7}  br {row['br']:>7}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "typescript.json"))
    raise SystemExit(asyncio.run(main(parser.parse_args())))
