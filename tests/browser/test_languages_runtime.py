"""Languages at run time: switching keeps each runtime loaded, JavaScript errors name the user's line
(syntax errors too), the JavaScript sandbox holds (no network or storage, also through prototypes),
its output is capped, and both workers run under the Content-Security-Policy the server is to send."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.async_api import expect

from .conftest import create_session
from .helpers import open_session, output, set_code, settled, wait_python_ready

# The headers the worker scripts are meant to be served with (the page's own policy is separate):
# JavaScript is evaluated inside its worker ('unsafe-eval') and may load nothing; Pyodide compiles
# WebAssembly and fetches its files from this origin.
JS_WORKER_CSP = "default-src 'none'; script-src 'unsafe-eval'"
PYTHON_WORKER_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"


def create_js_session(base_url: str) -> str:
    request = urllib.request.Request(
        base_url + "/api/sessions",
        data=b'{"language": "javascript"}',
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    return json.loads(urllib.request.urlopen(request, timeout=5).read())["session_id"]


async def js_page(pages, base_url, page=None):
    page = page or await open_session(pages, base_url, create_js_session(base_url))
    await expect(page.get_by_role("status", name="JavaScript")).to_have_text("JavaScript ready", timeout=15_000)
    return page


async def run(page, code):
    await set_code(page, code)
    await settled(page)
    await page.get_by_role("button", name="Run").click()


async def record_runtime_status(page):
    """Keeps every text the runtime status shows in window.statusTexts."""
    await page.evaluate("""() => {
        const status = document.querySelector("#runtime-status");
        window.statusTexts = [status.textContent];
        new MutationObserver(() => window.statusTexts.push(status.textContent))
            .observe(status, {subtree: true, childList: true, characterData: true});
    }""")


@pytest.mark.python
async def test_switching_back_to_python_does_not_reload_it(pages, server_url):
    page = await open_session(pages, server_url, create_session(server_url))
    await wait_python_ready(page)
    language = page.get_by_role("combobox", name="Language")
    await language.select_option(label="JavaScript")
    await js_page(pages, server_url, page)
    await run(page, "console.log('from', 'JavaScript');\n")
    await expect(output(page).locator(".stdout").last).to_have_text("from JavaScript\n", timeout=10_000)

    await record_runtime_status(page)
    await language.select_option(label="Python")
    # A reload takes seconds and would show "Loading Python…" first; the loaded runtime is ready at once.
    await expect(page.get_by_role("status", name="Python")).to_have_text("Python ready", timeout=1_000)
    assert "Loading Python…" not in await page.evaluate("window.statusTexts")
    await run(page, 'print("from", "Python")\n')
    await expect(output(page).locator(".stdout").last).to_have_text("from Python\n", timeout=10_000)


@pytest.mark.python
async def test_switching_language_stops_a_running_program(pages, server_url):
    page = await open_session(pages, server_url, create_session(server_url))
    await wait_python_ready(page)
    await run(page, "while True:\n    pass\n")
    await expect(page.get_by_role("button", name="Stop")).to_be_enabled()
    await page.get_by_role("combobox", name="Language").select_option(label="JavaScript")
    await expect(output(page).locator(".system").last).to_have_text("— stopped —", timeout=5_000)
    await js_page(pages, server_url, page)
    await expect(page.get_by_role("button", name="Run")).to_be_enabled()


async def test_javascript_syntax_errors_point_at_the_line(pages, server_url):
    page = await js_page(pages, server_url)
    await run(page, "const a = 1;\nlet b = ;\nconsole.log('never');\n")
    stderr = output(page).locator(".stderr")
    await expect(stderr.last).to_have_text(
        "main.js:2\nlet b = ;\n        ^\n\nSyntaxError: Unexpected token ';'\n", timeout=10_000
    )
    await expect(output(page).locator(".system").last).to_contain_text("error")
    assert await output(page).locator(".stdout").count() == 0
    # to_have_text collapses whitespace: check the caret's column exactly.
    assert await stderr.last.text_content() == "main.js:2\nlet b = ;\n        ^\n\nSyntaxError: Unexpected token ';'\n"

    # An unclosed block is reported where the code ends, not inside the worker's wrapper.
    await run(page, "for (const x of [1]) {\n  console.log(x);\n")
    end_of_input = "main.js:2\n  console.log(x);\n                 ^\n\nSyntaxError: Unexpected end of input\n"
    await expect(stderr.last).to_have_text(end_of_input)
    assert await stderr.last.text_content() == end_of_input


async def test_javascript_errors_show_only_the_users_frames(pages, server_url):
    page = await js_page(pages, server_url)
    await run(page, "function f(o) {\n  return o.a.b;\n}\nf({});\n")
    stderr = output(page).locator(".stderr")
    await expect(stderr.last).to_have_text(
        "main.js:2\n  return o.a.b;\n             ^\n\n"
        "TypeError: Cannot read properties of undefined (reading 'b')\n    at f (main.js:2:14)\n    at main.js:4:1\n",
        timeout=10_000,
    )

    await run(page, "setTimeout(() => {\n  throw new RangeError('in a timer');\n}, 20);\n")
    await expect(stderr.last).to_contain_text("RangeError: in a timer\n    at main.js:2:9", timeout=10_000)

    # A promise rejected without a handler ends the run with an error, as in Node.
    await run(page, "console.log('start');\nPromise.reject(new Error('nobody caught this'));\n")
    await expect(stderr.last).to_contain_text("Error: nobody caught this\n    at main.js:2:16", timeout=10_000)
    await expect(output(page).locator(".system").last).to_contain_text("error")

    # console.log of an error shows its stack the same way, without the worker's frames.
    await run(page, "const e = new Error('shown');\nconsole.log(e);\n")
    await expect(output(page).locator(".stdout").last).to_have_text(
        "Error: shown\n    at main.js:1:11\n", timeout=10_000
    )


async def test_javascript_has_no_network_or_storage_even_through_prototypes(pages, server_url):
    page = await js_page(pages, server_url)
    await run(
        page,
        "\n".join(
            [
                "const scope = Object.getPrototypeOf(Object.getPrototypeOf(self));",
                "console.log([typeof fetch, typeof scope.fetch, typeof WorkerGlobalScope.prototype.fetch,",
                "  typeof importScripts, typeof scope.importScripts, typeof indexedDB, typeof scope.caches,",
                "  typeof XMLHttpRequest, typeof WebSocket, typeof EventSource, typeof navigator.storage,",
                "  typeof webkitRequestFileSystem, typeof Worker].every((type) => type === 'undefined'));",
            ]
        )
        + "\n",
    )
    await expect(output(page).locator(".stdout").last).to_have_text("true\n", timeout=10_000)


async def test_javascript_output_is_capped_with_a_note(pages, server_url):
    page = await js_page(pages, server_url)
    await run(page, "for (let i = 0; i < 100000; i++) console.log('line', i);\nthrow new Error('after all that');\n")
    panel = output(page)
    await expect(panel.locator(".system").last).to_contain_text("error", timeout=20_000)
    await expect(panel).to_contain_text("output truncated")
    await expect(panel.locator(".stderr").last).to_contain_text("Error: after all that")
    assert len(await panel.locator("pre").inner_text()) < 300_000


async def test_prompt_reads_the_input_box_and_says_when_it_ran_out(pages, server_url):
    page = await js_page(pages, server_url)
    await page.get_by_text("Input", exact=True).click()
    box = page.get_by_role("textbox", name="Program input")
    assert "read by prompt()" in await box.get_attribute("placeholder")
    await box.fill("Ada")
    await run(page, "const name = prompt('Name?');\nconsole.log('Hello,', name);\nconsole.log(prompt('More?'));\n")
    panel = output(page)
    await expect(panel.locator(".system").last).to_contain_text("finished in", timeout=10_000)
    await expect(panel.locator(".stdout")).to_have_text("Name? Ada\nHello, Ada\nMore? null\n")
    await expect(panel).to_contain_text("prompt() read past the last line of the Input box, so it returned null.")


@pytest.mark.python
async def test_the_workers_run_under_their_content_security_policy(pages, server_url):
    """With the headers the server is to send for the worker scripts, Python still loads and runs,
    JavaScript still runs, and a dynamic import() (which no global can take away) is refused."""
    page = await pages.new()

    async def with_policy(route, policy):
        response = await route.fetch()
        await route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

    await page.route("**/static/dist/js-worker-*.js", lambda route: with_policy(route, JS_WORKER_CSP))
    await page.route("**/static/dist/python-worker-*.js", lambda route: with_policy(route, PYTHON_WORKER_CSP))
    await page.goto(f"{server_url}/session/{create_session(server_url)}")
    await wait_python_ready(page)
    await run(page, 'import sys\nprint("Python", sys.version_info[:2] >= (3, 12))\n')
    await expect(output(page).locator(".stdout").last).to_have_text("Python True\n", timeout=10_000)

    await page.get_by_role("combobox", name="Language").select_option(label="JavaScript")
    await js_page(pages, server_url, page)
    await run(
        page,
        "\n".join(
            [
                "console.log(await Promise.resolve('evaluated'));",
                "try {",
                "  await import('data:text/javascript,export default 1');",
                "  console.log('imported');",
                "} catch (error) {",
                "  console.log('import refused');",
                "}",
            ]
        )
        + "\n",
    )
    await expect(output(page).locator(".stdout").last).to_have_text("evaluated\nimport refused\n", timeout=10_000)
    pages.console_errors.clear()  # the refused import is logged as a CSP violation, as it should be
