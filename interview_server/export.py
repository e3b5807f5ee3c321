"""The offline export: a session's history and a small player in one self-contained HTML file.

The file needs no server and no network: the player's script and styles (built by esbuild as
export-player.js/.css) and the history JSON are inlined. Opened from disk it replays the interview.
It is written in pieces (`pieces`), so a long session is never held as one string.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator

import jinja2

from .assets import Assets
from .playback import json_pieces, json_text

PLAYER_SCRIPT, PLAYER_STYLE = "export-player.js", "export-player.css"


class ExportUnavailable(RuntimeError):
    """The player bundle is missing (the frontend was not built)."""


def render(history: dict, assets: Assets, env: jinja2.Environment) -> str:
    """The HTML text of the export of a history whose updates are a list (as read back from its JSON)."""
    head, tail = _page(history, assets, env)
    return head + "".join(_script_safe(piece) for piece in json_pieces(history)) + tail


def pieces(history: dict, assets: Assets, env: jinja2.Environment) -> AsyncIterator[str]:
    """The export of `history` (playback.session_history) in pieces that add up to render()'s text: the page up to
    the history, its JSON a piece at a time (updates read from the store a page at a time), the rest of the page
    with the player. Raises ExportUnavailable at once, before anything is sent, if the player is not built."""
    head, tail = _page(history, assets, env)
    return _pieces(head, history, tail)


async def _pieces(head: str, history: dict, tail: str) -> AsyncIterator[str]:
    yield head
    async for piece in json_text(json_pieces(history)):
        yield _script_safe(piece)  # escapes single characters: the same in pieces as in the whole
    yield tail


def _page(history: dict, assets: Assets, env: jinja2.Environment) -> tuple[str, str]:
    """The page before and after the history's JSON, the player's script and style inlined."""
    script, style = (_built(assets, name) for name in (PLAYER_SCRIPT, PLAYER_STYLE))
    mark = f"<{secrets.token_hex(16)}>"  # autoescaping keeps "<" out of the title: the mark is only where it is put
    head, tail = (
        env.get_template("export.html")
        .render(
            title=history["title"] or "Interview",
            history_json=mark,
            # Inside <script>/<style>, "</script" or "</style" would end the element early.
            player_script=_inline_safe(script, "script"),
            player_style=_inline_safe(style, "style"),
        )
        .split(mark)
    )
    return head, tail


def file_name(history: dict) -> str:
    """A download name like interview-two-sum-2026-11-29.html."""
    slug = re.sub(r"[^a-z0-9]+", "-", (history["title"] or "").lower()).strip("-")[:60]
    return f"interview-{slug + '-' if slug else ''}{history['created_at'][:10]}.html"


def _built(assets: Assets, logical: str) -> str:
    entry = assets.manifest().get(logical)
    if entry is None:
        raise ExportUnavailable(f"{logical} is not built: run npm run build")
    try:
        return (assets.root / "dist" / entry["file"]).read_text(encoding="utf-8")
    except OSError as exc:
        raise ExportUnavailable(f"{logical} cannot be read ({exc.strerror}): run npm run build") from None


def _inline_safe(text: str, element: str) -> str:
    """A built script or stylesheet that cannot end its element early ("</script" in any case) or open an
    HTML comment there ("<!--"): "<" of those becomes an escape both JavaScript strings and CSS accept."""
    return re.sub(rf"<(?=/{element}|!--)", r"\\u003c" if element == "script" else r"\\3c ", text, flags=re.IGNORECASE)


def _script_safe(text: str) -> str:
    """JSON that can sit inside <script type="application/json">: no "<", and no line separators."""
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
