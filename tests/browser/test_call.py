"""The audio/video call in real Chromium with fake media devices: pages in one session join the call and each
decodes the others' video (getStats' framesDecoded), muting shows on the others' pages, leaving closes the peer
connections, a third person joins a running call, a refused camera is a message (never a broken page), and
nothing asks for the camera before Join. WebRTC connects over loopback with host candidates (no STUN, no TURN).

These pages run in a browser of this module's own, started with a fake camera and microphone
(--use-fake-device-for-media-stream); without --use-fake-ui-for-media-stream, each context's `permissions`
decide: granted, getUserMedia gets a 640x480 test pattern and a tone; not granted, it rejects with NotAllowedError.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import aiohttp
import pytest
import pytest_asyncio
from playwright.async_api import async_playwright, expect

from ..support.server_process import ROOT, ServerProcess
from .conftest import ARTIFACTS, CHROMIUM_ARGS, Logs, Pages, chromium_path, create_session, new_context, wait_for
from .helpers import connected, editor, settled
from .test_accessibility import violations
from .isolated_network import can_isolate, isolated_chromium

MEDIA = ["camera", "microphone"]
# The page's mesh limit (static/src/ui/call-button.js).
CALL_MESH_LIMIT = int(
    re.search(r"CALL_MESH_LIMIT = (\d+)", (ROOT / "static/src/ui/call-button.js").read_text()).group(1)
)
# Counts the page's requests for the camera or microphone (none may happen before Join).
COUNT_MEDIA_REQUESTS = """
window.mediaRequests = 0;
if (navigator.mediaDevices) {
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) => { window.mediaRequests += 1; return original(constraints); };
}
"""


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def media_browser():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream"]
        )
        yield browser
        await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def people(media_browser, request):
    """Pages in the media browser, each person in a context of their own; no request may leave localhost."""
    context = await new_context(media_browser)
    recorder = Pages(media_browser, context)
    yield recorder
    if getattr(request.node, "rep_call", None) and request.node.rep_call.failed:
        for index, page in enumerate(recorder.all_pages):
            await page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{index}.png"))
    for each in recorder.contexts:
        await each.close()
    assert recorder.outside_requests() == [], "requests left localhost"


async def person(people, url: str, name: str, permissions=MEDIA, connected_page=True, **options):
    """`name`'s page at `url` (connected, unless `connected_page` is false: not an editor page), in a context of its
    own with these media `permissions`."""
    context = await new_context(
        people.browser,
        viewport=options.pop("viewport", {"width": 1280, "height": 800}),
        permissions=permissions,
        **options,
    )
    people.contexts.append(context)
    people._record(context)
    await context.add_init_script(COUNT_MEDIA_REQUESTS)
    page = await people.new(url, name=name, context=context)
    return await connected(page) if connected_page else page


async def call_stats(page) -> dict:
    return await page.evaluate("window.pad.call()")


async def frames_from_everyone(page, count: int, timeout: float = 30) -> list[int]:
    """Video frames decoded from each of `count` other people, once every link has decoded some."""

    async def decoding():
        stats = await call_stats(page)
        peers = stats["peers"] if stats else []
        frames = [peer["framesDecoded"] for peer in peers]
        return frames if len(frames) == count and all(frames) else None

    return await wait_for(decoding, timeout=timeout, interval=0.25, message=f"video from {count} people")


def tile(page, name: str):
    return page.get_by_role("list", name="Video").get_by_role("listitem", name=name, exact=True)


async def join(page) -> None:
    await page.get_by_role("button", name="Join call").click()
    await expect(page.get_by_role("button", name="Leave call")).to_be_visible()


async def test_people_in_a_call_see_and_hear_each_other_mute_join_late_and_leave(people, server_url):
    url = f"{server_url}/session/{create_session(server_url)}"
    ada = await person(people, url, "Ada")
    bo = await person(people, url, "Bo")
    # Nothing asks for the camera or microphone on load.
    assert await ada.evaluate("window.mediaRequests") == 0
    assert await bo.evaluate("window.mediaRequests") == 0
    assert await call_stats(ada) is None  # the call's code is not even loaded

    await join(ada)
    # Bo's button says someone is in the call; the list shows Ada in it.
    await expect(bo.get_by_role("button", name="Join call 1 in the call")).to_be_visible()
    await expect(bo.get_by_role("img", name="In the call, microphone on, camera on")).to_be_visible()
    await join(bo)
    ada_frames = await frames_from_everyone(ada, 1)
    bo_frames = await frames_from_everyone(bo, 1)
    await expect(tile(ada, "Bo")).to_be_visible()
    await expect(tile(ada, "Ada (you)")).to_be_visible()
    await expect(tile(bo, "Ada")).to_be_visible()
    assert await ada.evaluate("window.mediaRequests") == 1

    # Bo mutes: Ada's participant list and Bo's tile on Ada's page say so.
    microphone = bo.get_by_role("button", name="Microphone", exact=True)
    await expect(microphone).to_have_attribute("aria-pressed", "true")
    await microphone.click()
    await expect(microphone).to_have_attribute("aria-pressed", "false")
    await expect(
        ada.get_by_role("list", name="Participants").get_by_role("img", name="In the call, microphone off, camera on")
    ).to_be_visible()
    await expect(tile(ada, "Bo").get_by_role("img", name="Microphone off")).to_be_visible()
    await expect(tile(ada, "Ada (you)").get_by_role("img", name="Microphone off")).to_be_hidden()
    # The camera off: Ada sees Bo's initial instead of the video.
    camera = bo.get_by_role("button", name="Camera", exact=True)
    await camera.click()
    await expect(camera).to_have_attribute("aria-pressed", "false")
    await expect(
        ada.get_by_role("list", name="Participants").get_by_role("img", name="In the call, microphone off, camera off")
    ).to_be_visible()
    await camera.click()

    # Cy joins the running call and decodes both; both decode Cy.
    cy = await person(people, url, "Cy")
    await expect(cy.get_by_role("button", name="Join call 2 in the call")).to_be_visible()
    await join(cy)
    cy_frames = await frames_from_everyone(cy, 2)
    await frames_from_everyone(ada, 2)
    await frames_from_everyone(bo, 2)
    await expect(tile(cy, "Ada")).to_be_visible()
    await expect(tile(cy, "Bo")).to_be_visible()

    # Bo leaves: the others' connections to Bo close and Bo's tile goes; Ada and Cy still see each other.
    await bo.get_by_role("button", name="Leave call").click()
    await expect(bo.get_by_role("button", name="Join call 2 in the call")).to_be_visible()
    for page in (ada, cy):
        await expect(tile(page, "Bo")).to_have_count(0)
        await wait_for(lambda page=page: _peer_count(page, 1), message="Bo's link closed")
    assert (await call_stats(bo))["peers"] == []
    await frames_from_everyone(ada, 1)
    print(f"frames decoded: Ada from Bo {ada_frames}, Bo from Ada {bo_frames}, Cy from both {cy_frames}")
    assert people.console_errors == []


async def _peer_count(page, count: int) -> bool:
    return len((await call_stats(page))["peers"]) == count


async def test_a_refused_camera_and_microphone_is_a_message_and_the_page_still_works(people, server_url):
    url = f"{server_url}/session/{create_session(server_url)}"
    ada = await person(people, url, "Ada")
    refuser = await person(people, url, "Bo", permissions=[])
    await join(ada)
    await join(refuser)
    # Bo joined to listen and watch: the page says why, and still decodes Ada's video.
    await expect(refuser.get_by_role("region", name="Call").get_by_role("status")).to_contain_text(
        "did not allow the camera or the microphone"
    )
    await frames_from_everyone(refuser, 1)
    await expect(refuser.get_by_role("button", name="Microphone", exact=True)).to_be_disabled()
    await expect(ada.get_by_role("img", name="In the call, microphone off, camera off")).to_be_visible()
    # The editor still takes typing and the connection is fine.
    await editor(refuser).click()
    await refuser.keyboard.insert_text("print('still here')\n")
    text, _ = await settled(refuser)
    assert "still here" in text
    await expect(refuser.get_by_role("status", name="Connection")).to_have_text("Connected")

    # Only the microphone allowed: joined with it, told the camera was not.
    mic_only = await person(people, url, "Cy", permissions=["microphone"])
    await join(mic_only)
    await expect(mic_only.get_by_role("region", name="Call").get_by_role("status")).to_contain_text(
        "did not allow the camera"
    )
    await expect(mic_only.get_by_role("button", name="Microphone", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(mic_only.get_by_role("button", name="Camera", exact=True)).to_be_disabled()
    assert people.console_errors == []


async def test_the_embed_view_offers_the_call_unless_told_call_off(people, server_url):
    session_id = create_session(server_url)
    embedded = await person(people, f"{server_url}/embed/{session_id}", "Ada")
    await expect(embedded.get_by_role("button", name="Join call")).to_be_visible()
    quiet = await person(people, f"{server_url}/embed/{session_id}?call=off", "Bo")
    await expect(quiet.get_by_role("button", name="Join call")).to_have_count(0)
    await expect(quiet.get_by_role("region", name="Call")).to_have_count(0)
    # Someone else's call does not make it appear.
    await join(embedded)
    await expect(quiet.get_by_role("img", name="In the call, microphone on, camera on")).to_be_visible()
    await expect(quiet.get_by_role("button", name="Join call")).to_have_count(0)
    assert await quiet.evaluate("window.mediaRequests") == 0


async def test_screenshots_of_the_call_light_dark_and_phone(people, server_url):
    """Screenshots of a call of two for a person to look at (test-artifacts/call-*.png)."""
    for scheme, viewport in (
        ("light", {"width": 1280, "height": 800}),
        ("dark", {"width": 1280, "height": 800}),
        ("phone", {"width": 390, "height": 844}),
    ):
        url = f"{server_url}/session/{create_session(server_url)}"
        options = {"color_scheme": "dark" if scheme == "dark" else "light", "viewport": viewport}
        ada = await person(people, url, f"Ada {scheme}", **options)
        bo = await person(people, url, f"Bo {scheme}", **options)
        await join(ada)
        await expect(bo.get_by_role("button", name="Join call 1 in the call")).to_be_visible()
        await bo.screenshot(path=str(ARTIFACTS / f"call-before-join-{scheme}.png"))
        await join(bo)
        await frames_from_everyone(ada, 1)
        await bo.get_by_role("button", name="Microphone", exact=True).click()
        await expect(tile(ada, f"Bo {scheme}").get_by_role("img", name="Microphone off")).to_be_visible()
        if scheme == "dark":  # Bo's camera off: his initial instead
            await bo.get_by_role("button", name="Camera", exact=True).click()
            await expect(ada.get_by_role("img", name="In the call, microphone off, camera off")).to_be_visible()
        await ada.screenshot(path=str(ARTIFACTS / f"call-{scheme}.png"))
        if scheme == "light":
            await ada.get_by_role("button", name="Hide video").click()
            await ada.screenshot(path=str(ARTIFACTS / "call-collapsed.png"))
        await ada.get_by_role("button", name="Leave call").click()
        await bo.get_by_role("button", name="Leave call").click()


async def test_an_lms_frame_needs_allow_camera_and_microphone(people, server_url, host_page):
    """Inside an LMS's iframe the camera and microphone work only when the iframe allows them (docs/EMBEDDING.md)."""
    session_id = create_session(server_url)
    lms_url = host_page(
        f'<iframe src="{server_url}/embed/{session_id}" width="900" height="420" title="Allowed" '
        f'allow="camera; microphone"></iframe>'
        f'<iframe src="{server_url}/embed/{session_id}" width="900" height="420" title="Not allowed"></iframe>'
    )
    lms = await person(people, lms_url, "Student", connected_page=False)
    allowed = lms.frame_locator('iframe[title="Allowed"]')
    refused = lms.frame_locator('iframe[title="Not allowed"]')
    for frame in (allowed, refused):
        await expect(frame.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
        await frame.get_by_role("button", name="Join call").click()
        await expect(frame.get_by_role("button", name="Leave call")).to_be_visible()
    await expect(allowed.get_by_role("button", name="Camera", exact=True)).to_have_attribute("aria-pressed", "true")
    await expect(allowed.get_by_role("region", name="Call").get_by_role("status")).to_be_hidden()
    await expect(refused.get_by_role("region", name="Call").get_by_role("status")).to_contain_text(
        "did not allow the camera or the microphone"
    )
    # The two frames are two people in one call: the allowed one decodes nothing from the listener, but connects.
    await expect(allowed.get_by_role("list", name="Video").get_by_role("listitem")).to_have_count(2)


async def test_the_call_resumes_after_the_socket_reconnects(people, server_url, proxy):
    """Ada's socket is cut (through a proxy): both sides drop the link; once she is back, she is in the call again
    (a new participant id, a new peer connection) and both decode each other's video."""
    session_id = create_session(server_url)
    ada = await person(people, f"http://127.0.0.1:{proxy.port}/session/{session_id}", "Ada")
    bo = await person(people, f"{server_url}/session/{session_id}", "Bo")
    await join(ada)
    await join(bo)
    await frames_from_everyone(ada, 1)
    first_link = (await call_stats(bo))["peers"][0]["id"]

    proxy.cut()
    await expect(ada.get_by_role("status", name="Connection")).not_to_have_text("Connected")
    await wait_for(lambda: _peer_count(bo, 0), message="Bo's link to Ada closed")
    await expect(tile(bo, "Ada")).to_have_count(0)
    proxy.restore()
    await expect(ada.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
    await expect(ada.get_by_role("button", name="Leave call")).to_be_visible()  # still in the call
    await frames_from_everyone(ada, 1)
    await frames_from_everyone(bo, 1)
    assert (await call_stats(bo))["peers"][0]["id"] != first_link  # Ada's new connection
    await expect(tile(bo, "Ada")).to_be_visible()
    assert [error for error in people.console_errors if "WebSocket connection to" not in error] == []


# A TURN server that answers nothing (the discard port): configured, but no help.
DEAD_TURN = json.dumps([{"urls": "turn:127.0.0.1:9?transport=udp", "username": "pad", "credential": "secret"}])


@pytest.fixture(scope="module")
def dead_turn_url(tmp_path_factory, server_logs):
    """A server whose pages get a TURN server in ice_servers (one that cannot relay)."""
    server = ServerProcess(
        "--data-dir",
        str(tmp_path_factory.mktemp("turn")),
        env={"ICE_SERVERS": DEAD_TURN},
        log_path=Logs.path("server-dead-turn.log"),
    )
    server.start()
    yield server.url
    server.terminate()


@pytest.mark.parametrize("turn", [False, True], ids=["without-turn", "with-turn"])
async def test_a_connection_that_cannot_be_made_says_why(people, server_url, dead_turn_url, tmp_path, turn):
    """Bo's browser has a network of its own (tests/browser/isolated_network.py: as behind a strict NAT): the page
    and socket work, no WebRTC path does. With no TURN server in ice_servers both pages say this server has no TURN
    relay; with one (that cannot help) just that they could not connect."""
    server_url = dead_turn_url if turn else server_url
    if not can_isolate():
        pytest.skip("needs `unshare -n` (a network namespace) to isolate a browser's network")
    port = urlsplit(server_url).port
    executable, env, relay = await isolated_chromium(tmp_path, port, chromium_path())
    async with async_playwright() as playwright:
        isolated = await playwright.chromium.launch(
            executable_path=executable,
            env=env,
            headless=True,
            args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream"],
        )
        context = await new_context(isolated, viewport={"width": 1280, "height": 800}, permissions=MEDIA)
        try:
            url = f"{server_url}/session/{create_session(server_url)}"
            ada = await person(people, url, "Ada")
            bo = await connected(await people.new(url, name="Bo", context=context))
            await join(ada)
            await join(bo)
            for page, other in ((ada, "Bo"), (bo, "Ada")):
                message = page.get_by_role("region", name="Call").get_by_role("status")
                if turn:
                    await expect(message).to_have_text(f"Could not connect to {other}.", timeout=90_000)
                else:
                    await expect(message).to_contain_text(
                        f"Could not connect to {other}: this server has no TURN relay", timeout=60_000
                    )
                await expect(tile(page, other)).to_contain_text("not connected")
            await ada.screenshot(path=str(ARTIFACTS / f"call-{'dead-turn' if turn else 'no-turn'}.png"))
            await editor(bo).click()  # the rest of the page still works
            await bo.keyboard.insert_text("x = 1\n")
            assert "x = 1" in (await settled(bo))[0]
        finally:
            await context.close()
            await isolated.close()
            relay.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_call_has_no_serious_accessibility_violation(people, server_url, scheme):
    """axe on a page in a call of two (one muted, the devices open), and on the strip, light and dark."""
    url = f"{server_url}/session/{create_session(server_url)}"
    ada = await person(people, url, "Ada", color_scheme=scheme)
    bo = await person(people, url, "Bo", color_scheme=scheme)
    await join(ada)
    await expect(bo.get_by_role("button", name="Join call 1 in the call")).to_be_visible()
    found = await violations(bo)  # the Join button with its count, Ada's mark in the list
    assert found == [], json.dumps(found, indent=1)
    await join(bo)
    await frames_from_everyone(ada, 1)
    await bo.get_by_role("button", name="Microphone", exact=True).click()
    await expect(tile(ada, "Bo").get_by_role("img", name="Microphone off")).to_be_visible()
    await ada.get_by_text("Devices").click()
    await expect(ada.get_by_role("combobox", name="Camera device")).to_be_visible()
    found = await violations(ada)
    assert found == [], json.dumps(found, indent=1)
    await ada.get_by_role("button", name="Hide video").click()
    assert await violations(ada) == []


async def test_a_call_of_six_is_full(people, server_url):
    """Six people in the call (here plain sockets that said hello and call_state: the server's participants, without
    media) fill it: the Join button says "Call full" and cannot be pressed; one leaving opens it again."""
    session_id = create_session(server_url)
    page = await person(people, f"{server_url}/session/{session_id}", "Ada")
    async with aiohttp.ClientSession() as http:
        sockets = []
        for index in range(CALL_MESH_LIMIT):
            ws = await http.ws_connect(f"{server_url.replace('http', 'ws')}/ws/{session_id}", origin=server_url)
            await ws.send_json({"type": "hello", "data": {"name": f"Caller {index + 1}"}})
            await ws.send_json({"type": "call_state", "data": {"in_call": True, "audio": True, "video": False}})
            sockets.append(ws)
            if index == CALL_MESH_LIMIT - 2:
                await expect(page.get_by_role("button", name=f"Join call {index + 1} in the call")).to_be_enabled()
        full = page.get_by_role("button", name="Call full")
        await expect(full).to_be_disabled()
        await expect(full).to_have_attribute("title", re.compile("the most this page connects at once"))
        await sockets.pop().close()
        await expect(page.get_by_role("button", name=f"Join call {CALL_MESH_LIMIT - 1} in the call")).to_be_enabled()
        for ws in sockets:
            await ws.close()
    assert await page.evaluate("window.mediaRequests") == 0


@pytest.mark.serial  # thirty peer connections: run alone, not beside other browsers (it takes ~30 s on 2 cores)
async def test_six_people_in_one_call_each_decode_the_five_others(people, server_url):
    """The mesh limit, for real: six pages join one by one (30 peer connections) and each decodes the other five's
    video; a seventh page finds the call full. (~30 s on 2 cores.)"""
    url = f"{server_url}/session/{create_session(server_url)}"
    callers = [await person(people, url, f"Caller {index + 1}") for index in range(CALL_MESH_LIMIT)]
    for page in callers:
        await join(page)
    for page in callers:
        await frames_from_everyone(page, CALL_MESH_LIMIT - 1, timeout=90)
    late = await person(people, url, "Late")
    await expect(late.get_by_role("button", name="Call full")).to_be_disabled()
    await expect(tile(callers[0], "Caller 6")).to_be_visible()
    assert people.console_errors == []
