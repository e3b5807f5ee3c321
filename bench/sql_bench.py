"""SQL figures from real Chromium on loopback (issue 20): what SQLite costs on the wire (brotli, as served), time
to "SQL ready" cold and warm, Stop of a runaway recursive query -> ready, and the editor page's first-load JS
(gzip) for a Python and an SQL session (the budget: 150 kB; SQLite and its highlighting load only when chosen).

    .venv/bin/python bench/sql_bench.py [--runs 5] [--out bench/results/sql.json] [--static-dir DIR]

Starts its own server (memory store) like bench/page_bench.py and reuses its page observer and size probes.
--static-dir serves another build (e.g. a worktree's static/ before SQL) for the first-load before/after; the
SQL figures are then skipped when that build has no SQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from playwright.async_api import expect

from common import ROOT, Server, median_and_max, write_result
from page_bench import editor, new_page, served_chromium, served_sizes, timed_click

RUNAWAY = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r;"
# In the SQL worker: its own timeline (zero: the worker's start) and what its files cost.
WORKER_FIGURES = """() => {
  const started = performance.getEntriesByName("sql-started")[0];
  const files = performance.getEntriesByType("resource").filter((e) => /sql-wasm/.test(e.name));
  return { ms: started ? started.startTime : null, transfer: files.reduce((t, e) => t + e.transferSize, 0) };
}"""


async def create_session(http, base: str, language: str) -> str:
    async with http.post(f"{base}/api/sessions", json={"language": language}) as response:
        return (await response.json())["session_id"]


async def first_load_js(browser, http, base: str, language: str) -> list[str]:
    """URLs of the scripts fetched before the editor was editable (workers and Pyodide left out)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.route("**/static/pyodide/**", lambda route: route.abort())  # Python's start is not measured here
    try:
        page = await new_page(context)
        await page.goto(f"{base}/session/{await create_session(http, base, language)}", wait_until="commit")
        await editor(page).press("End")
        return await page.evaluate("""() => {
          const until = performance.getEntriesByName("editor-editable", "mark")[0]?.startTime ?? window.__bench.editable;
          return performance.getEntriesByType("resource")
            .filter((e) => e.startTime <= until && /\\.m?js$/.test(new URL(e.name).pathname)
                           && !/-worker[-.]/.test(new URL(e.name).pathname))
            .map((e) => e.name);
        }""")
    finally:
        await context.close()


async def sql_ready(page, url: str) -> dict:
    await page.goto(url, wait_until="commit")
    await expect(page.get_by_role("status", name="SQL")).to_have_text("SQL ready", timeout=30_000)
    ready = await page.evaluate("performance.getEntriesByName('sql-ready', 'mark')[0]?.startTime ?? null")
    workers = [worker for worker in page.workers if "sql-worker" in worker.url]
    return {"ready_ms": ready, "worker": await workers[-1].evaluate(WORKER_FIGURES) if workers else None}


async def one_run(browser, http, base: str) -> dict:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = await new_page(context)
        cold = await sql_ready(page, f"{base}/session/{await create_session(http, base, 'sql')}")
        await editor(page).click()
        await page.keyboard.press("ControlOrMeta+a")
        await page.keyboard.insert_text("SELECT 1 AS one;")
        run_ms = await timed_click(page, "Run", "#output", r"^\(1 row\)$")
        await expect(page.get_by_role("button", name="Run")).to_be_enabled()
        await editor(page).click()
        await page.keyboard.press("ControlOrMeta+a")
        await page.keyboard.insert_text(RUNAWAY)
        await page.get_by_role("button", name="Run").click()
        await expect(page.get_by_role("status", name="SQL")).to_have_text("Running…")
        await page.wait_for_timeout(300)
        stop_ms = await timed_click(page, "Stop", "#runtime-status", "SQL ready")
        errors = list(page.bench_errors)
        await page.close()
        page = await new_page(context)  # warm: the same HTTP cache
        warm = await sql_ready(page, f"{base}/session/{await create_session(http, base, 'sql')}")
        return {
            "cold": cold,
            "warm": warm,
            "run_select1_ms": run_ms,
            "stop_runaway_ready_ms": stop_ms,
            "console": errors + page.bench_errors,
        }
    finally:
        await context.close()


async def main(args) -> int:
    data_dir = tempfile.mkdtemp(prefix="sql-bench-")
    env = {"STATIC_DIR": str(Path(args.static_dir).resolve())} if args.static_dir else None
    server = Server("memory", data_dir, env=env)
    result: dict = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "static_dir": args.static_dir,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    try:
        async with served_chromium(server) as (http, base, browser):
            for language in ("python", "sql"):
                urls = await first_load_js(browser, http, base, language)
                sizes = await served_sizes(http, urls)
                result[f"first_load_js_gzip_kb_{language}"] = round(sum(row["gzip"] for row in sizes) / 1000, 1)
            runs = []
            has_sql = (Path(args.static_dir or ROOT / "static") / "dist" / "manifest.json").read_text().find(
                "sql-worker"
            ) >= 0
            for index in range(args.runs if has_sql else 0):
                runs.append(await one_run(browser, http, base))
                print(f"run {index + 1}/{args.runs}: SQL ready {runs[-1]['cold']['ready_ms']:.0f} ms cold", flush=True)
            if runs:
                manifest = json.loads((ROOT / "static" / "dist" / "manifest.json").read_text())
                worker = f"{base}/static/dist/{manifest['sql-worker.js']['file']}"
                wasm = next(p.name for p in (ROOT / "static" / "dist").glob("sql-wasm-browser-*.wasm"))
                result["sql_files"] = await served_sizes(http, [worker, f"{base}/static/dist/{wasm}"])
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

    def med(pick):
        return median_and_max(pick(run) for run in runs)

    if runs:
        result["summary"] = {
            "sql_ready_cold_ms": med(lambda r: r["cold"]["ready_ms"]),
            "sql_ready_warm_ms": med(lambda r: r["warm"]["ready_ms"]),
            "worker_ready_cold_ms": med(lambda r: (r["cold"]["worker"] or {}).get("ms")),
            "run_select1_ms": med(lambda r: r["run_select1_ms"]),
            "stop_runaway_ready_ms": med(lambda r: r["stop_runaway_ready_ms"]),
            "wasm_transfer_cold_kb": med(lambda r: (r["cold"]["worker"] or {}).get("transfer", 0) / 1000),
            "wasm_transfer_warm_kb": med(lambda r: (r["warm"]["worker"] or {}).get("transfer", 0) / 1000),
        }
        result["console"] = sorted({line for run in runs for line in run["console"]})
    result["load_average_after"] = os.getloadavg()
    result["raw"] = runs
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "sql.json"))
    parser.add_argument("--static-dir", default="")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
