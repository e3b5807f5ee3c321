"""Lua figures from real Chromium on loopback (issue 20, the third runtime): what Lua costs on the wire (brotli,
as served), time to "Lua ready" cold and warm, Stop of an endless loop -> ready, and the editor page's first-load
JS (gzip) for a Lua session (the budget: 150 kB; Lua and its highlighting load only when chosen).

    .venv/bin/python bench/lua_bench.py [--runs 5] [--out bench/results/lua.json] [--candidates DIR]

--candidates DIR also times how long Chromium takes to compile each candidate runtime's wasm in a worker
(the files of `npm pack wasmoon @ruby/3.4-wasm-wasi @php-wasm/web-8-4`, unpacked under DIR): a lower bound of
each one's start-up, which is how the third runtime was chosen (docs/PERFORMANCE.md, "The third runtime").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web
from playwright.async_api import expect

from common import ROOT, Server, free_port, median_and_max, write_result
from page_bench import editor, new_page, served_chromium, served_sizes, timed_click
from sql_bench import create_session, first_load_js

RUNAWAY = "local n = 0\nwhile true do\n  n = n + 1\nend\n"
# In the Lua worker: its own timeline (zero: the worker's start) and what its wasm cost.
WORKER_FIGURES = """() => {
  const started = performance.getEntriesByName("lua-started")[0];
  const files = performance.getEntriesByType("resource").filter((e) => /\\.wasm$/.test(e.name));
  return { ms: started ? started.startTime : null, transfer: files.reduce((t, e) => t + e.transferSize, 0) };
}"""
# Candidate runtimes' interpreters (paths under --candidates DIR, as `npm pack` + tar unpack them).
CANDIDATES = {
    "wasmoon 1.16 (Lua 5.4)": "wasmoon-1.16.0/package/dist/glue.wasm",
    "@ruby/3.4-wasm-wasi 2.10 (ruby+stdlib)": "ruby-3.4-wasm-wasi-2.10.1/package/dist/ruby+stdlib.wasm",
    "@ruby/3.4-wasm-wasi 2.10 (ruby, no stdlib)": "ruby-3.4-wasm-wasi-2.10.1/package/dist/ruby.wasm",
    "@php-wasm/web-8-4 3.1 (PHP 8.4, JSPI)": "php-wasm-web-8-4-3.1.54/package/jspi/8_4_25/php_8_4.wasm",
}
COMPILE_WORKER = """self.onmessage = async ({ data }) => {
  const started = performance.now();
  await WebAssembly.compileStreaming(fetch(data));
  postMessage(performance.now() - started);
};"""


async def lua_ready(page, url: str) -> dict:
    await page.goto(url, wait_until="commit")
    await expect(page.get_by_role("status", name="Lua")).to_have_text("Lua ready", timeout=30_000)
    ready = await page.evaluate("performance.getEntriesByName('lua-ready', 'mark')[0]?.startTime ?? null")
    workers = [worker for worker in page.workers if "lua-worker" in worker.url]
    return {"ready_ms": ready, "worker": await workers[-1].evaluate(WORKER_FIGURES) if workers else None}


async def replace_code(page, code: str) -> None:
    await editor(page).click()
    await page.keyboard.press("ControlOrMeta+a")
    await page.keyboard.insert_text(code)


async def one_run(browser, http, base: str) -> dict:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = await new_page(context)
        cold = await lua_ready(page, f"{base}/session/{await create_session(http, base, 'lua')}")
        await replace_code(page, 'print("one")')
        run_ms = await timed_click(page, "Run", "#output", r"^one$")
        await expect(page.get_by_role("button", name="Run")).to_be_enabled()
        await replace_code(page, RUNAWAY)
        await page.get_by_role("button", name="Run").click()
        await expect(page.get_by_role("status", name="Lua")).to_have_text("Running…")
        await page.wait_for_timeout(300)
        stop_ms = await timed_click(page, "Stop", "#runtime-status", "Lua ready")
        errors = list(page.bench_errors)
        await page.close()
        page = await new_page(context)  # warm: the same HTTP cache
        warm = await lua_ready(page, f"{base}/session/{await create_session(http, base, 'lua')}")
        return {
            "cold": cold,
            "warm": warm,
            "run_print_ms": run_ms,
            "stop_loop_ready_ms": stop_ms,
            "console": errors + page.bench_errors,
        }
    finally:
        await context.close()


async def compile_times(browser, folder: Path, repeats: int) -> dict:
    """ms for Chromium to compile each candidate's wasm in a worker, fetched from a loopback server (a fresh
    context each time: no code cache)."""
    found = {name: folder / path for name, path in CANDIDATES.items() if (folder / path).is_file()}
    app = web.Application()
    page_html = "<!doctype html><title>compile</title>"
    app.router.add_get("/", lambda request: web.Response(text=page_html, content_type="text/html"))
    app.router.add_get("/worker.js", lambda request: web.Response(text=COMPILE_WORKER, content_type="text/javascript"))
    app.router.add_get(
        "/wasm/{index}",
        lambda request: web.FileResponse(
            list(found.values())[int(request.match_info["index"])], headers={"Content-Type": "application/wasm"}
        ),
    )
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    times: dict = {name: [] for name in found}
    try:
        for _ in range(repeats):
            for index, name in enumerate(found):
                context = await browser.new_context()
                page = await context.new_page()
                await page.goto(f"http://127.0.0.1:{port}/")
                ms = await page.evaluate(
                    """(url) => new Promise((resolve, reject) => {
                      const worker = new Worker("/worker.js");
                      worker.onmessage = ({ data }) => resolve(data);
                      worker.onerror = (event) => reject(new Error(event.message));
                      worker.postMessage(url);
                    })""",
                    f"/wasm/{index}",
                )
                times[name].append(round(ms, 1))
                await context.close()
    finally:
        await runner.cleanup()
    return {
        name: {"bytes": found[name].stat().st_size, "compile_ms_median": statistics.median(ms), "compile_ms": ms}
        for name, ms in times.items()
    }


async def main(args) -> int:
    data_dir = tempfile.mkdtemp(prefix="lua-bench-")
    # `-m` from this checkout (the venv's interview-server script may be another checkout's, without Lua).
    server = Server("memory", data_dir, command=[sys.executable, "-m", "interview_server"])
    result: dict = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    runs = []
    try:
        async with served_chromium(server) as (http, base, browser):
            for language in ("python", "lua"):
                sizes = await served_sizes(http, await first_load_js(browser, http, base, language))
                result[f"first_load_js_gzip_kb_{language}"] = round(sum(row["gzip"] for row in sizes) / 1000, 1)
            for index in range(args.runs):
                runs.append(await one_run(browser, http, base))
                print(f"run {index + 1}/{args.runs}: Lua ready {runs[-1]['cold']['ready_ms']:.0f} ms cold", flush=True)
            if args.candidates:
                result["candidates_compile"] = await compile_times(browser, Path(args.candidates), args.runs)
            manifest = json.loads((ROOT / "static" / "dist" / "manifest.json").read_text())
            wasm = next(p.name for p in (ROOT / "static" / "dist").glob("glue-*.wasm"))
            result["lua_files"] = await served_sizes(
                http, [f"{base}/static/dist/{manifest['lua-worker.js']['file']}", f"{base}/static/dist/{wasm}"]
            )
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

    def med(pick):
        return median_and_max(pick(run) for run in runs)

    result["summary"] = {
        "lua_ready_cold_ms": med(lambda r: r["cold"]["ready_ms"]),
        "lua_ready_warm_ms": med(lambda r: r["warm"]["ready_ms"]),
        "worker_ready_cold_ms": med(lambda r: (r["cold"]["worker"] or {}).get("ms")),
        "worker_ready_warm_ms": med(lambda r: (r["warm"]["worker"] or {}).get("ms")),
        "run_print_ms": med(lambda r: r["run_print_ms"]),
        "stop_loop_ready_ms": med(lambda r: r["stop_loop_ready_ms"]),
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
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "lua.json"))
    parser.add_argument("--candidates", default="", help="a folder with the candidate runtimes' packages unpacked")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
