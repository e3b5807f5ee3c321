"""problems.py reads Markdown as the page does: every case of tests/fixtures/markdown-corpus.json (which
tests/node/markdown.test.mjs checks against the page's parser) gives the same blocks, fences and headings here;
and the problem rules that follow from it (top-level fences and headings only, CommonMark titles)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interview_server.problems import ProblemError, markdown_blocks, parse_problem

CORPUS = json.loads((Path(__file__).parent / "fixtures" / "markdown-corpus.json").read_text(encoding="utf-8"))


def summary(block) -> dict:
    """A block as the corpus writes it."""
    fields = {"kind": block.kind, "depth": block.depth, "lines": [block.start, block.end]}
    if block.kind == "heading":
        fields |= {"level": block.level, "text": block.text}
    elif block.kind == "fence":
        fields |= {"info": block.info, "text": block.text, "closed": block.closed}
    elif block.kind == "code":
        fields |= {"text": block.text}
    return fields


@pytest.mark.parametrize("case", CORPUS["cases"], ids=[case["name"] for case in CORPUS["cases"]])
def test_problems_reads_every_corpus_case_as_the_page_does(case):
    assert [summary(block) for block in markdown_blocks(case["markdown"])] == case["blocks"]


def test_the_corpus_covers_fences_headings_and_containers():
    kinds = {block["kind"] for case in CORPUS["cases"] for block in case["blocks"]}
    assert kinds == {"paragraph", "heading", "fence", "code", "hr", "blockquote", "list"}
    assert any(not block.get("closed", True) for case in CORPUS["cases"] for block in case["blocks"])
    assert len(CORPUS["cases"]) >= 30


def test_a_setext_heading_is_a_title_and_titles_are_plain_text():
    problem = parse_problem("t", "Two *Sum*\n=========\n\nFind `i`.\n\n```python starter\npass\n```\n")
    assert (problem.title, problem.prompt) == ("Two Sum", "Find `i`.")
    assert parse_problem("t", "# C\\# &amp; `F#`\n```python starter\npass\n```").title == "C# & F#"


def test_only_top_level_fences_and_headings_count():
    text = (
        "> # Quoted heading\n\n- an item\n\n  ```python starter\n  in a list: an example\n  ```\n\n"
        "# Title\n\n    ```python starter\n    indented: code, not a fence\n    ```\n\n```python starter\nreal\n```\n"
    )
    problem = parse_problem("t", text)
    assert problem.title == "Title"
    assert problem.starters == {"python": "real\n"}
    assert "in a list: an example" in problem.prompt and "indented: code" in problem.prompt
    assert problem.prompt.startswith("> # Quoted heading")


def test_a_fence_is_closed_only_by_a_commonmark_closing_fence():
    with pytest.raises(ProblemError, match="the code block opened on line 3 with ``` is never closed"):
        parse_problem("t", "# T\n\n```python starter\npass\n``` not a closing fence\n")
    with pytest.raises(ProblemError, match="opened on line 2 with ~~~~ is never closed"):
        parse_problem("t", "# T\n~~~~python starter\npass\n~~~\n")
    problem = parse_problem("t", "# T\n```python starter\npass\n     ```\n`````\n")  # 4+ spaces: content
    assert problem.starters == {"python": "pass\n     ```\n"}
