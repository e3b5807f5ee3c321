"""Starter problems ("templates" in the product): Markdown files with a prompt, starter code and checks.

The Markdown is read by markdown-it-py with the options the page renders prompts with (static/src/markdown.js,
markdown-it): both agree on what a fence and a heading are (tests/fixtures/markdown-corpus.json checks both).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

log = logging.getLogger(__name__)

BUILTIN_DIR = Path(__file__).resolve().parent / "problems"
LANGUAGES = ("python", "javascript", "typescript", "sql", "lua")
KINDS = ("starter", "checks", "hidden-checks")
# A problem with a starter in the first language but no checks (or hidden checks) in it runs the second's: plain
# JavaScript is TypeScript, so a TypeScript version needs only its starter.
CHECKS_FALLBACK = {"typescript": "javascript"}
DIFFICULTIES = ("easy", "medium", "hard")
HIDDEN_RESULTS = ("none", "count", "names")  # what a candidate is told of the hidden checks' results
MAX_TAGS = 8
MAX_CRITERIA = 10
DEFAULT_RUBRIC = (
    {"name": "Problem solving", "description": "Understands the problem, finds and explains an approach.", "scale": 4},
    {"name": "Coding", "description": "Turns the approach into correct, readable code.", "scale": 4},
    {
        "name": "Testing",
        "description": "Checks the code with examples and edge cases, finds and fixes bugs.",
        "scale": 4,
    },
    {"name": "Communication", "description": "Thinks aloud, asks clarifying questions, takes hints.", "scale": 4},
)
MAX_FILE_BYTES = 64 * 1024
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MARKDOWN = MarkdownIt("commonmark", {"html": False})  # the page's parser and options
CONTAINERS = {"blockquote_open": "blockquote", "bullet_list_open": "list", "ordered_list_open": "list"}
LEAVES = {"paragraph_open": "paragraph", "code_block": "code", "hr": "hr", "html_block": "html"}


class ProblemError(ValueError):
    """A problem file that cannot be used; the message says why."""


@dataclass(frozen=True)
class Problem:
    """One problem: a Markdown prompt, starter code, visible and hidden checks per language, and how it is
    found (tags, difficulty) and graded (what a candidate learns of the hidden checks, a rubric)."""

    id: str
    title: str
    prompt: str
    starters: dict[str, str] = field(hash=False)
    checks: dict[str, str] = field(hash=False)
    hidden_checks: dict[str, str] = field(default_factory=dict, hash=False)
    tags: tuple[str, ...] = ()
    difficulty: str = ""
    hidden_results: str = "count"
    rubric: tuple[dict, ...] = DEFAULT_RUBRIC
    schema: dict | None = field(default=None, hash=False)  # SQL: {"sql": DDL + seed, "tables": [...]}, or None

    def to_json(self) -> dict:
        """Everything a page needs to offer the problem. Never the hidden checks: anyone may ask for this."""
        return {
            **self.summary(),
            "prompt": self.prompt,
            "starters": dict(self.starters),
            "checks": dict(self.checks),
            **({"schema": self.schema} if self.schema else {}),
        }

    def grading(self) -> dict:
        """What only hosts get (host-only session data): the hidden checks, what candidates see of their
        results, and the rubric."""
        return {
            "problem_id": self.id,
            "hidden_checks": dict(self.hidden_checks),
            "hidden_results": self.hidden_results,
            "rubric": [dict(criterion) for criterion in self.rubric],
        }

    def language_for(self, preferred: str | None) -> str:
        """`preferred` if the problem has a starter in it, else the first language it has one in."""
        return preferred if preferred in self.starters else next(iter(self.starters))

    def shown(self) -> dict:
        """What a session keeps and shows of it (session_info.problem): prompt and checks; the starter goes
        into the text."""
        shown = {"id": self.id, "title": self.title, "prompt": self.prompt, "checks": dict(self.checks)}
        shown["languages"] = sorted(self.starters)  # a session refuses to switch to another (session.py)
        if self.schema:
            shown["schema"] = self.schema
        return shown

    def summary(self) -> dict:
        """What a list of problems shows (and searches and filters by)."""
        return {
            "id": self.id,
            "title": self.title,
            "languages": sorted(self.starters),
            "tags": list(self.tags),
            "difficulty": self.difficulty,
            "hidden_checks": len(self.hidden_checks) > 0,
        }


@dataclass(frozen=True)
class Block:
    """A Markdown block as CommonMark reads it: its kind ("paragraph", "heading", "fence", "code" (indented),
    "hr", "html", "blockquote", "list"), how many blockquotes and lists hold it, its lines [start, end) (0-based),
    and for a heading its level and plain text, for a fence its info string, text and whether it was closed."""

    kind: str
    depth: int
    start: int
    end: int
    level: int = 0
    info: str = ""
    text: str = ""
    closed: bool = True
    marker: str = ""


def markdown_blocks(text: str) -> list[Block]:
    """Every block of `text`, in document order (a container before what it holds)."""
    blocks = []
    depth = 0
    tokens = MARKDOWN.parse(text)
    for index, token in enumerate(tokens):
        if token.type in CONTAINERS:
            blocks.append(Block(CONTAINERS[token.type], depth, *token.map))
            depth += 1
        elif token.type.endswith("_close") and token.type.replace("_close", "_open") in CONTAINERS:
            depth -= 1
        elif token.type == "heading_open":
            blocks.append(
                Block(
                    "heading",
                    depth,
                    *token.map,
                    level=int(token.tag[1]),
                    text=_plain_text(tokens[index + 1].children or []),
                )
            )
        elif token.type == "fence":
            start, end = token.map
            closed = end - start - 2 == token.content.count("\n")  # else it ran to the end of its container
            blocks.append(
                Block(
                    "fence",
                    depth,
                    start,
                    end,
                    info=token.info.strip(),
                    text=token.content,
                    closed=closed,
                    marker=token.markup,
                )
            )
        elif token.type in LEAVES:
            blocks.append(Block(LEAVES[token.type], depth, *token.map, text=token.content))
    return blocks


def _plain_text(tokens) -> str:
    """Inline tokens as text without markup (a heading's title): code spans keep their text, breaks a space."""
    parts = []
    for token in tokens:
        if token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "image":
            parts.append(_plain_text(token.children or []))
        elif token.nesting == 0:
            parts.append(token.content)
    return "".join(parts).strip()


def parse_problem(problem_id: str, text: str) -> Problem:
    """Parse one problem file; raise ProblemError saying what is wrong."""
    if not ID_PATTERN.fullmatch(problem_id):
        raise ProblemError(
            f"bad id {problem_id!r}: use 1-64 lowercase letters, digits and dashes, starting with a letter or digit"
        )
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ProblemError(f"larger than {MAX_FILE_BYTES // 1024} KiB")
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    front, start = _front_matter(lines)
    title = front.pop("title", None)
    body = lines[start:]
    taken: set[int] = set()  # lines of the body that leave the prompt: the title heading, starters and checks
    code: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
    rubric: tuple[dict, ...] | None = None
    schema: dict | None = None
    for block in markdown_blocks("\n".join(body)):
        line = start + block.start + 1  # 1-based, in the file
        if block.depth:
            continue  # inside a blockquote or list: part of the prompt
        if block.kind == "heading" and block.level == 1 and title is None and block.text:
            title = block.text
            taken.update(range(block.start, block.end))
        elif block.kind == "fence":
            if not block.closed:
                raise ProblemError(f"the code block opened on line {line} with {block.marker} is never closed")
            if block.info.split() == ["rubric"]:
                if rubric is not None:
                    raise ProblemError(f"a second ```rubric block on line {line}")
                rubric = _rubric(block.text, line)
                taken.update(range(block.start, block.end))
                continue
            if [word.lower() for word in block.info.split()] == ["sql", "schema"]:
                if schema is not None:
                    raise ProblemError(f"a second ```sql schema block on line {line}")
                schema = sql_schema(block.text, line)
                taken.update(range(block.start, block.end))
                continue
            target = _code_target(block.info.split(), line)
            if target is not None:
                language, kind = target
                if language in code[kind]:
                    raise ProblemError(f"a second ```{language} {kind} block on line {line}")
                code[kind][language] = block.text.strip("\n") + "\n"
                taken.update(range(block.start, block.end))
    prompt_lines = [text for index, text in enumerate(body) if index not in taken]
    for language, fallback in CHECKS_FALLBACK.items():
        for kind in ("checks", "hidden-checks"):
            if language in code["starter"] and language not in code[kind] and fallback in code[kind]:
                code[kind][language] = code[kind][fallback]
    problem = _finish(problem_id, title, prompt_lines, code["starter"], code["checks"])
    orphans = sorted(set(code["hidden-checks"]) - set(problem.starters))
    if orphans:
        raise ProblemError(f"hidden checks for {', '.join(orphans)} without a starter for that language")
    if schema is not None and "sql" not in problem.starters:
        raise ProblemError("a ```sql schema block without a ```sql starter")
    return Problem(
        problem.id,
        problem.title,
        problem.prompt,
        problem.starters,
        problem.checks,
        dict(sorted(code["hidden-checks"].items())),
        rubric=rubric or DEFAULT_RUBRIC,
        schema=schema,
        **_grading_front_matter(front),
    )


def sql_schema(text: str, line_number: int) -> dict:
    """A ```sql schema block (DDL and INSERTs), loaded into SQLite to check it and to list its tables:
    {"sql": text, "tables": [{"name", "columns": [{"name", "type"}], "rows"}]} in the order they were created."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(text)
        names = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
            )
        ]
        tables = []
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            columns = [{"name": row[1], "type": row[2]} for row in db.execute(f"PRAGMA table_info({quoted})")]
            rows = db.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]
            tables.append({"name": name, "columns": columns, "rows": rows})
    except sqlite3.Error as error:
        raise ProblemError(f"the ```sql schema block on line {line_number} does not load in SQLite: {error}") from None
    finally:
        db.close()
    return {"sql": text.strip("\n") + "\n", "tables": tables}


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    """The `key: value` pairs of `---` front matter (keys lowercase), and the line the body starts on."""
    if not lines or lines[0].rstrip() != "---":
        return {}, 0
    end = next((index for index in range(1, len(lines)) if lines[index].rstrip() == "---"), None)
    if end is None:
        raise ProblemError("the front matter opened on line 1 is not closed by a `---` line")
    front: dict[str, str] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise ProblemError(f"front matter line {number} is not `key: value`: {line!r}")
        value = value.strip().strip("\"'").strip()
        if value:
            front[key.strip().lower()] = value
    return front, end + 1


def _grading_front_matter(front: dict[str, str]) -> dict:
    """tags (`a, b` or `[a, b]`), difficulty and hidden_results from the front matter, checked."""
    tags = tuple(
        dict.fromkeys(
            tag.strip().strip("\"'").lower() for tag in front.get("tags", "").strip("[]").split(",") if tag.strip()
        )
    )
    if len(tags) > MAX_TAGS or any(len(tag) > 32 for tag in tags):
        raise ProblemError(f"at most {MAX_TAGS} tags of at most 32 characters each")
    difficulty = front.get("difficulty", "").lower()
    if difficulty and difficulty not in DIFFICULTIES:
        raise ProblemError(f"difficulty {difficulty!r}: use {', '.join(DIFFICULTIES)}")
    hidden_results = front.get("hidden_results", "count").lower()
    if hidden_results not in HIDDEN_RESULTS:
        raise ProblemError(f"hidden_results {hidden_results!r}: use {', '.join(HIDDEN_RESULTS)}")
    return {"tags": tags, "difficulty": difficulty, "hidden_results": hidden_results}


def _rubric(text: str, line_number: int) -> tuple[dict, ...]:
    """A ```rubric block: one criterion a line, `Name | scale | description` (scale 2-10, e.g. 4 for 1-4)."""
    criteria = []
    for offset, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|", 2)]
        scale = parts[1].rpartition("-")[2] if len(parts) == 3 else ""
        if len(parts) != 3 or not parts[0] or not scale.isdigit() or not 2 <= int(scale) <= 10:
            raise ProblemError(
                f"rubric line {line_number + offset} is not `Name | 1-4 | description` (a scale of 2 to 10): {line!r}"
            )
        criteria.append({"name": parts[0][:60], "description": parts[2][:300], "scale": int(scale)})
    if not 1 <= len(criteria) <= MAX_CRITERIA:
        raise ProblemError(f"the rubric on line {line_number} needs 1 to {MAX_CRITERIA} criteria")
    return tuple(criteria)


def _code_target(words: list[str], line_number: int) -> tuple[str, str] | None:
    """(language, "starter" | "checks" | "hidden-checks") for a fence info string naming one, None for an
    example."""
    if len(words) != 2 or words[1].lower() not in KINDS:
        return None
    language = words[0].lower()
    if language not in LANGUAGES:
        raise ProblemError(
            f"unknown language {words[0]!r} in the ```{' '.join(words)} block on line "
            f"{line_number}: use {', '.join(LANGUAGES[:-1])} or {LANGUAGES[-1]}"
        )
    return language, words[1].lower()


def _finish(
    problem_id: str, title: str | None, prompt_lines: list[str], starters: dict[str, str], checks: dict[str, str]
) -> Problem:
    """Check what a problem needs and build it."""
    if not title:
        raise ProblemError("no title: add front matter `title: ...` or a `# Title` heading")
    if not starters:
        raise ProblemError(
            "no starter code: add a ```python starter, ```javascript starter, ```typescript starter, ```sql starter"
            " or ```lua starter block"
        )
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
