"""The offline export: a session's history and a small player in one self-contained HTML file.

The file needs no server and no network: the player's script and styles (built by esbuild as
export-player.js/.css) and the history JSON are inlined. Opened from disk it replays the interview.
"""

from __future__ import annotations

import json
import re

import jinja2

from .assets import Assets

PLAYER_SCRIPT, PLAYER_STYLE = "export-player.js", "export-player.css"


class ExportUnavailable(RuntimeError):
    """The player bundle is missing (the frontend was not built)."""


def render(history: dict, assets: Assets, env: jinja2.Environment) -> str:
    """The HTML text of the export of `history` (playback.session_history)."""
    script, style = (_built(assets, name) for name in (PLAYER_SCRIPT, PLAYER_STYLE))
    return env.get_template("export.html").render(
        title=history["title"] or "Interview",
        history_json=_script_safe(json.dumps(history, separators=(",", ":"))),
        # Inside <script>/<style>, "</script" or "</style" would end the element early.
        player_script=_inline_safe(script, "script"),
        player_style=_inline_safe(style, "style"))


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
