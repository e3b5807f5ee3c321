"""Starter problems ("templates" in the product): Markdown files with a prompt, starter code and checks."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

BUILTIN_DIR = Path(__file__).resolve().parent / "problems"
LANGUAGES = ("python", "javascript")
KINDS = ("starter", "checks")
MAX_FILE_BYTES = 64 * 1024
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")


class ProblemError(ValueError):
    """A problem file that cannot be used; the message says why."""


@dataclass(frozen=True)
class Problem:
    """One problem: a Markdown prompt, starter code and checks per language."""

    id: str
    title: str
    prompt: str
    starters: dict[str, str] = field(hash=False)
    checks: dict[str, str] = field(hash=False)

    def to_json(self) -> dict:
        """Everything a page needs to offer the problem."""
        return {"id": self.id, "title": self.title, "prompt": self.prompt,
                "starters": dict(self.starters), "checks": dict(self.checks)}

    def language_for(self, preferred: str | None) -> str:
        """`preferred` if the problem has a starter in it, else the first language it has one in."""
        return preferred if preferred in self.starters else next(iter(self.starters))

    def shown(self) -> dict:
        """What a session keeps and shows of it (session_info.problem): prompt and checks; the starter goes
        into the text."""
        return {"id": self.id, "title": self.title, "prompt": self.prompt, "checks": dict(self.checks)}

    def summary(self) -> dict:
        """What a list of problems shows."""
        return {"id": self.id, "title": self.title, "languages": sorted(self.starters)}


def parse_problem(problem_id: str, text: str) -> Problem:
    """Parse one problem file; raise ProblemError saying what is wrong."""
    if not ID_PATTERN.fullmatch(problem_id):
        raise ProblemError(f"bad id {problem_id!r}: use 1-64 lowercase letters, digits and dashes, "
                           "starting with a letter or digit")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ProblemError(f"larger than {MAX_FILE_BYTES // 1024} KiB")
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title, start = _front_matter(lines)
    prompt_lines: list[str] = []
    code: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
    index = start
    while index < len(lines):
        opening = FENCE.fullmatch(lines[index])
        if opening is None or (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            if title is None and (heading := _heading_text(lines[index])):
                title = heading
            else:
                prompt_lines.append(lines[index])
            index += 1
            continue
        end = _closing_fence(lines, index, opening.group(1))
        target = _code_target(opening.group(2).split(), index + 1)
        if target is None:
            prompt_lines.extend(lines[index:end + 1])
        else:
            language, kind = target
            if language in code[kind]:
                raise ProblemError(f"a second ```{language} {kind} block on line {index + 1}")
            indent = len(lines[index]) - len(lines[index].lstrip(" "))
            body = [_dedent(line, indent) for line in lines[index + 1:end]]
            code[kind][language] = "\n".join(body).strip("\n") + "\n"
        index = end + 1
    return _finish(problem_id, title, prompt_lines, code["starter"], code["checks"])


def _front_matter(lines: list[str]) -> tuple[str | None, int]:
    """The title from `---` front matter, and the line the body starts on."""
    if not lines or lines[0].rstrip() != "---":
        return None, 0
    end = next((index for index in range(1, len(lines)) if lines[index].rstrip() == "---"), None)
    if end is None:
        raise ProblemError("the front matter opened on line 1 is not closed by a `---` line")
    title = None
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise ProblemError(f"front matter line {number} is not `key: value`: {line!r}")
        if key.strip().lower() == "title":
            title = value.strip().strip("\"'").strip() or None
    return title, end + 1


def _heading_text(line: str) -> str | None:
    """The text of a `# Heading` line (closing #s removed), else None."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or not stripped.startswith("# "):
        return None
    text = stripped[2:].strip()
    without_hashes = text.rstrip("#")
    if without_hashes != text and (not without_hashes or without_hashes[-1] == " "):
        text = without_hashes.strip()
    return text or None


def _closing_fence(lines: list[str], opened: int, fence: str) -> int:
    """Index of the line closing the fence opened at `opened`."""
    for index in range(opened + 1, len(lines)):
        closing = FENCE.fullmatch(lines[index])
        if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence) \
                and not closing.group(2).strip():
            return index
    raise ProblemError(f"the code block opened on line {opened + 1} with {fence} is never closed")


def _code_target(words: list[str], line_number: int) -> tuple[str, str] | None:
    """(language, "starter" | "checks") for a fence info string naming one, None for an example."""
    if len(words) != 2 or words[1].lower() not in KINDS:
        return None
    language = words[0].lower()
    if language not in LANGUAGES:
        raise ProblemError(f"unknown language {words[0]!r} in the ```{' '.join(words)} block on line "
                           f"{line_number}: use {' or '.join(LANGUAGES)}")
    return language, words[1].lower()


def _dedent(line: str, indent: int) -> str:
    """The line without up to `indent` leading spaces (those of its fence)."""
    spaces = len(line) - len(line.lstrip(" "))
    return line[min(spaces, indent):]


def _finish(problem_id: str, title: str | None, prompt_lines: list[str],
            starters: dict[str, str], checks: dict[str, str]) -> Problem:
    """Check what a problem needs and build it."""
    if not title:
        raise ProblemError("no title: add front matter `title: ...` or a `# Title` heading")
    if not starters:
        raise ProblemError("no starter code: add a ```python starter or ```javascript starter block")
    orphans = sorted(set(checks) - set(starters))
    if orphans:
        raise ProblemError(f"checks for {', '.join(orphans)} without a starter for that language")
    prompt = re.sub(r"\n(?:[ \t]*\n){2,}", "\n\n", "\n".join(prompt_lines)).strip("\n")  # keeps hard breaks
    return Problem(problem_id, title, prompt, dict(sorted(starters.items())), dict(sorted(checks.items())))


def load_problems(extra_dir: str | None = None) -> dict[str, Problem]:
    """The built-in problems, plus (replacing same ids) those in extra_dir, sorted by title."""
    problems = _load_folder(BUILTIN_DIR)
    if extra_dir:
        folder = Path(extra_dir)
        if not folder.is_dir():
            log.warning("PROBLEMS_DIR %s is not a folder: only the built-in problems are offered", folder)
        else:
            for problem_id, problem in _load_folder(folder).items():
                if problem_id in problems:
                    log.info("problem %s from %s replaces the built-in one", problem_id, folder)
                problems[problem_id] = problem
    return dict(sorted(problems.items(), key=lambda item: (item[1].title.casefold(), item[0])))


def _load_folder(folder: Path) -> dict[str, Problem]:
    """Every usable *.md of one folder by id; each unusable one is skipped with a warning."""
    problems = {}
    for path in sorted(folder.glob("*.md")):
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ProblemError(f"larger than {MAX_FILE_BYTES // 1024} KiB")
            problems[path.stem] = parse_problem(path.stem, path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:  # ProblemError and UnicodeDecodeError are ValueErrors
            log.warning("skipping problem file %s: %s", path, error)
    return problems
