"""Starter problems: the file format, the operator's folder, and every built-in's checks run for real
(CPython in a subprocess, JavaScript in Node the way the page's worker runs it)."""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

import pytest

from interview_server.problems import BUILTIN_DIR, Problem, ProblemError, load_problems, parse_problem

from .support.code_runners import RUNNERS, graded, run_javascript, run_python, run_typescript

ROOT = Path(__file__).resolve().parent.parent
BUILTINS = [  # by title
    "best-time-to-buy-and-sell-stock",
    "course-schedule",
    "group-anagrams",
    "key-value-store",
    "longest-substring",
    "lru-cache",
    "meeting-rooms",
    "merge-intervals",
    "number-of-islands",
    "word-frequency",
    "two-sum",
    "valid-parentheses",
]
SQL_BUILTINS = ["sql-customer-orders", "sql-departments-over-budget", "sql-top-salaries"]  # test_sql_problems.py
# Built-ins with a Lua starter and checks too (the others are Python and JavaScript only).
LUA_BUILTINS = ["best-time-to-buy-and-sell-stock", "longest-substring", "merge-intervals", "valid-parentheses"]
PASSED = re.compile(r"Passed (\d+) of (\d+) checks\.")
CODE_LANGUAGES = ["python", "javascript", "typescript"]  # every built-in but the SQL ones is in each
GRADED_CASE = re.compile(r'^grade\("([^"]+)"', re.MULTILINE)  # a hidden case's name, where the checks name it

EXAMPLE = """---
title: "Add Two Numbers"
---

Return the sum of `a` and `b`.

```text
add(2, 3) == 5
```

```python
print("an example in Python stays in the prompt")
```

```python starter
def add(a, b):
    pass
```

  ```javascript starter
  function add(a, b) {
    return null;
  }
  ```

```python checks
print("✓" if add(2, 3) == 5 else "✗")
```
"""


def test_front_matter_title_starters_and_checks_are_taken_out_and_examples_stay():
    problem = parse_problem("add", EXAMPLE)
    assert problem.title == "Add Two Numbers"
    assert problem.prompt == (
        "Return the sum of `a` and `b`.\n\n```text\nadd(2, 3) == 5\n```\n\n```python\n"
        'print("an example in Python stays in the prompt")\n```'
    )
    assert problem.starters == {
        "javascript": "function add(a, b) {\n  return null;\n}\n",
        "python": "def add(a, b):\n    pass\n",
    }
    assert problem.checks == {"python": 'print("✓" if add(2, 3) == 5 else "✗")\n'}
    summary = {
        "id": "add",
        "title": "Add Two Numbers",
        "languages": ["javascript", "python"],
        "tags": [],
        "difficulty": "",
        "hidden_checks": False,
    }
    assert problem.summary() == summary
    assert problem.to_json() == {
        **summary,
        "prompt": problem.prompt,
        "starters": problem.starters,
        "checks": problem.checks,
    }


def test_without_front_matter_the_first_heading_is_the_title_and_leaves_the_prompt():
    text = "Intro line.\r\n\r\n# Reverse a List ##\r\n\r\n## Examples\r\n\r\nSome.\r\n\r\n```python starter\r\npass\r\n```\r\n"
    problem = parse_problem("reverse", text)
    assert problem.title == "Reverse a List"
    assert problem.prompt == "Intro line.\n\n## Examples\n\nSome."
    assert problem.starters == {"python": "pass\n"} and problem.checks == {}
    with_front_matter = parse_problem("reverse", "---\ntitle: Given\n---\n# Kept heading\n```python starter\npass\n```")
    assert (with_front_matter.title, with_front_matter.prompt) == ("Given", "# Kept heading")


def test_fences_inside_fences_and_longer_fences_are_examples():
    text = "# T\n````markdown\n```python starter\nnot a starter\n```\n````\n```python starter\nreal\n```\n"
    problem = parse_problem("t", text)
    assert problem.starters == {"python": "real\n"}
    assert "not a starter" in problem.prompt


@pytest.mark.parametrize(
    ("problem_id", "text", "message"),
    [
        ("no-starter", "# Title\nJust a prompt.\n```python\nexample\n```", "no starter code"),
        ("Bad_Id", "# T\n```python starter\npass\n```", "bad id"),
        ("-dash", "# T\n```python starter\npass\n```", "bad id"),
        ("x" * 65, "# T\n```python starter\npass\n```", "bad id"),
        ("big", "# T\n```python starter\npass\n```\n" + "x" * 65536, "larger than 64 KiB"),
        ("ruby", "# T\n```ruby starter\nputs 1\n```", "unknown language 'ruby'"),
        ("open", "# T\n```python starter\npass\n", "never closed"),
        ("front", "---\ntitle: T\n```python starter\npass\n```", "not closed by a `---` line"),
        ("front-line", "---\nnot a pair\n---\n# T\n```python starter\npass\n```", "not `key: value`"),
        (
            "orphan",
            "# T\n```python starter\npass\n```\n```javascript checks\nx\n```",
            "checks for javascript without a starter",
        ),
        ("twice", "# T\n```python starter\npass\n```\n```python starter\npass\n```", "a second ```python starter"),
        ("untitled", "No heading.\n```python starter\npass\n```", "no title"),
    ],
)
def test_unusable_files_raise_a_clear_error(problem_id, text, message):
    with pytest.raises(ProblemError, match=re.escape(message)):
        parse_problem(problem_id, text)
    assert issubclass(ProblemError, ValueError)


def test_every_builtin_loads_sorted_by_title_with_both_languages():
    problems = load_problems()
    assert [problem_id for problem_id in problems if problem_id not in SQL_BUILTINS] == BUILTINS
    assert sorted(path.stem for path in BUILTIN_DIR.glob("*.md")) == sorted(BUILTINS + SQL_BUILTINS)
    titles = [problem.title for problem in problems.values()]
    assert titles == sorted(titles, key=str.casefold)
    for problem in problems.values():
        assert isinstance(problem, Problem)
        if problem.id in SQL_BUILTINS:
            continue
        expected = {*CODE_LANGUAGES, "lua"} if problem.id in LUA_BUILTINS else set(CODE_LANGUAGES)
        assert set(problem.starters) == set(problem.checks) == expected, problem.id
        assert "```text" in problem.prompt and "## Constraints" in problem.prompt, problem.id
        assert "starter" not in problem.prompt and "checks" not in problem.prompt.lower(), problem.id
        assert set(problem.hidden_checks) == expected, problem.id
        assert problem.checks["typescript"] == problem.checks["javascript"], problem.id  # CHECKS_FALLBACK


def test_the_builtins_span_difficulties_and_topics_and_each_has_tags_and_a_difficulty():
    problems = load_problems().values()
    assert len(problems) >= 11
    spread = Counter(problem.difficulty for problem in problems)
    assert spread["easy"] >= 3 and spread["medium"] >= 4 and spread["hard"] >= 2, spread
    for problem in problems:
        assert problem.difficulty and problem.tags, problem.id
    tags = {tag for problem in problems for tag in problem.tags}
    assert {"strings", "arrays", "hashing", "graphs", "intervals", "class-design"} <= tags, tags


def test_operator_folder_adds_and_replaces_and_skips_broken_files_with_a_warning(tmp_path, caplog):
    (tmp_path / "two-sum.md").write_text("---\ntitle: Two Sum (our version)\n---\nOurs.\n```python starter\npass\n```")
    (tmp_path / "fizz-buzz.md").write_text("# Fizz Buzz\nCount.\n```javascript starter\nfunction f() {}\n```")
    (tmp_path / "broken.md").write_text("# Broken\nNo code at all.")
    (tmp_path / "Bad Name.md").write_text("# Bad\n```python starter\npass\n```")
    (tmp_path / "huge.md").write_text("# Huge\n```python starter\npass\n```\n" + "x" * 70000)
    (tmp_path / "latin1.md").write_bytes("# Caf\xe9\n```python starter\npass\n```".encode("latin-1"))
    (tmp_path / "notes.txt").write_text("not a problem")
    caplog.set_level(logging.INFO, logger="interview_server.problems")
    problems = load_problems(str(tmp_path))
    assert [problem_id for problem_id in problems if problem_id not in ("fizz-buzz", *SQL_BUILTINS)] == BUILTINS
    assert "fizz-buzz" in problems
    titles = [problem.title for problem in problems.values()]
    assert titles == sorted(titles, key=str.casefold)
    assert problems["two-sum"].title == "Two Sum (our version)" and problems["two-sum"].prompt == "Ours."
    assert problems["fizz-buzz"].summary() == {
        "id": "fizz-buzz",
        "title": "Fizz Buzz",
        "languages": ["javascript"],
        "tags": [],
        "difficulty": "",
        "hidden_checks": False,
    }
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 4, warnings
    for name, reason in [
        ("broken.md", "no starter code"),
        ("Bad Name.md", "bad id"),
        ("huge.md", "larger than 64 KiB"),
        ("latin1.md", "can't decode"),
    ]:
        assert any(name in warning and reason in warning for warning in warnings), (name, warnings)
    assert any("two-sum" in record.getMessage() and "replaces" in record.getMessage() for record in caplog.records)


def test_a_missing_operator_folder_logs_a_warning_and_keeps_the_builtins(tmp_path, caplog):
    assert [p for p in load_problems(str(tmp_path / "nowhere")) if p not in SQL_BUILTINS] == BUILTINS
    assert "nowhere" in caplog.text and "not a folder" in caplog.text
    assert list(load_problems("")) == list(load_problems(None)) == list(load_problems())


# Reference solutions, one file per problem and language: with them every check passes, visible and hidden.
SOLUTIONS = ROOT / "tests" / "fixtures" / "solutions"
EXTENSIONS = {"python": "py", "javascript": "js", "typescript": "ts", "lua": "lua"}
# How a starter's cases fail: Python's, JavaScript's and Lua's return None/null/nil, TypeScript's throw (typed, it
# cannot return null).
STARTER_FAILURE = {
    "python": "expected",
    "javascript": "expected",
    "typescript": "threw Error: not implemented yet",
    "lua": "expected",
}


def solution(problem_id: str, language: str) -> str:
    """The reference solution of a built-in problem in one language."""
    return (SOLUTIONS / f"{problem_id}.{EXTENSIONS[language]}").read_text(encoding="utf-8")


def check_report(output: str) -> tuple[int, int]:
    """(passed, total) from a check run's output, after checking its shape: ✓/✗ lines, then the summary."""
    lines = output.strip().splitlines()
    assert all(line[0] in "✓✗" for line in lines[:-1]), output
    summary = PASSED.fullmatch(lines[-1])
    assert summary, output
    passed, total = int(summary.group(1)), int(summary.group(2))
    assert total == len(lines) - 1 and passed == sum(line.startswith("✓") for line in lines), output
    return passed, total


LANGUAGE_CASES = [(problem_id, language) for problem_id in BUILTINS for language in CODE_LANGUAGES] + [
    (problem_id, "lua") for problem_id in LUA_BUILTINS
]


@pytest.mark.parametrize(("problem_id", "language"), LANGUAGE_CASES)
def test_builtin_checks_fail_every_case_of_the_starter_without_crashing(problem_id, language):
    problem = load_problems()[problem_id]
    output = RUNNERS[language](problem.starters[language] + "\n\n" + problem.checks[language])
    passed, total = check_report(output)
    assert passed == 0 and total >= 5, output
    assert STARTER_FAILURE[language] in output


@pytest.mark.parametrize(("problem_id", "language"), LANGUAGE_CASES)
def test_builtin_checks_pass_a_reference_solution(problem_id, language):
    problem = load_problems()[problem_id]
    output = RUNNERS[language](solution(problem_id, language) + "\n\n" + problem.checks[language])
    passed, total = check_report(output)
    assert passed == total, output


@pytest.mark.parametrize("problem_id", BUILTINS)
def test_builtin_hidden_cases_have_unique_names_the_same_in_both_languages(problem_id):
    hidden = load_problems()[problem_id].hidden_checks
    python, javascript = GRADED_CASE.findall(hidden["python"]), GRADED_CASE.findall(hidden["javascript"])
    assert python == javascript and len(set(python)) == len(python) >= 8, (python, javascript)
    if problem_id in LUA_BUILTINS:
        assert GRADED_CASE.findall(hidden["lua"]) == python


@pytest.mark.parametrize(("problem_id", "language"), LANGUAGE_CASES)
def test_builtin_hidden_checks_pass_the_reference_and_fail_the_starter(problem_id, language):
    problem = load_problems()[problem_id]
    checks = problem.hidden_checks[language]
    results = graded(language, solution(problem_id, language), checks)
    names = [case["name"] for case in results["cases"]]
    assert len(names) >= 8 and len(set(names)) == len(names), names
    assert results["passed"] == results["total"], [case for case in results["cases"] if not case["passed"]]
    assert max(case["ms"] for case in results["cases"]) < 1000, results["cases"]  # each case fast, with margin
    starter = graded(language, problem.starters[language], checks)
    assert [case["name"] for case in starter["cases"]] == names and starter["passed"] < starter["total"], starter


def test_a_solution_that_raises_on_one_case_is_reported_and_the_others_still_run():
    problem = load_problems()["two-sum"]
    python = solution("two-sum", "python").replace(
        "    seen = {}", "    if target == 0:\n        raise ValueError('zero')\n    seen = {}"
    )
    output = run_python(python + "\n\n" + problem.checks["python"])
    assert "✗ two_sum([-3, 4, 3, 90], 0) raised ValueError: zero" in output
    assert "✓ two_sum([2, 7, 11, 15], 9) == [0, 1]" in output
    passed, total = check_report(output)
    assert (passed, total) == (4, 6)
    javascript = solution("two-sum", "javascript").replace(
        "const seen = new Map();", 'if (target === 0) throw new RangeError("zero"); const seen = new Map();'
    )
    output = run_javascript(javascript + "\n\n" + problem.checks["javascript"])
    assert "✗ twoSum([-3, 4, 3, 90], 0) threw RangeError: zero" in output
    assert "✓ twoSum([2, 7, 11, 15], 9) == [0, 1]" in output
    assert check_report(output) == (4, 6)


def test_the_example_in_docs_problems_md_parses_and_its_checks_run():
    doc = (ROOT / "docs" / "PROBLEMS.md").read_text(encoding="utf-8")
    example = doc.split("````markdown\n", 1)[1].split("\n````\n", 1)[0]
    problem = parse_problem("fizz-buzz", example)
    assert problem.title == "Fizz Buzz" and set(problem.starters) == {"python", "javascript"}
    assert (problem.tags, problem.difficulty, problem.hidden_results) == (("strings", "warm-up"), "easy", "count")
    assert [criterion["name"] for criterion in problem.rubric] == ["Problem solving", "Coding"]
    assert check_report(run_python(problem.starters["python"] + "\n\n" + problem.checks["python"])) == (0, 3)
    solutions = {
        "python": "def fizz_buzz(n):\n    return ['Fizz' * (i % 3 == 0) + 'Buzz' * (i % 5 == 0) or str(i) for i in range(1, n + 1)]",
        "javascript": "function fizzBuzz(n) {\n  return Array.from({ length: n }, (_, i) => "
        "((i + 1) % 3 ? '' : 'Fizz') + ((i + 1) % 5 ? '' : 'Buzz') || String(i + 1));\n}",
    }
    assert check_report(run_python(solutions["python"] + "\n\n" + problem.checks["python"])) == (3, 3)
    for language, code in solutions.items():
        results = graded(language, code, problem.hidden_checks[language])
        assert (results["passed"], results["total"]) == (3, 3), results


TYPESCRIPT_ONLY = """# Add
```javascript starter
function add(a, b) {}
```
```typescript starter
function add(a: number, b: number): number {
  throw new Error("not implemented yet");
}
```
```javascript checks
console.log(add(2, 3) === 5 ? "✓ add(2, 3) == 5" : "✗ add(2, 3) returned " + add(2, 3) + ", expected 5");
```
```javascript hidden-checks
grade("small", () => add(1, 2), 3);
```
```typescript hidden-checks
const cases: [number, number, number][] = [[1, 2, 3], [-4, 4, 0]];
for (const [a, b, sum] of cases) grade(`${a} + ${b}`, (): number => add(a, b), sum);
```
"""


def test_typescript_runs_the_javascript_checks_unless_it_has_its_own():
    problem = parse_problem("add", TYPESCRIPT_ONLY)
    assert problem.starters["typescript"].startswith("function add(a: number, b: number): number {")
    assert problem.checks["typescript"] == problem.checks["javascript"]  # none of its own: JavaScript's
    assert problem.hidden_checks["typescript"].startswith("const cases: [number, number, number][]")  # its own
    assert problem.hidden_checks["javascript"] == 'grade("small", () => add(1, 2), 3);\n'
    visible_checks = TYPESCRIPT_ONLY.split("```javascript checks")[1].split("```\n", 1)[0]
    without_javascript_checks = parse_problem(
        "add", TYPESCRIPT_ONLY.replace(f"```javascript checks{visible_checks}```\n", "")
    )
    assert without_javascript_checks.checks == {}
    typed = "function add(a: number, b: number): number {\n  return a + b;\n}\n"
    assert run_typescript(typed + "\n" + problem.checks["typescript"]) == "✓ add(2, 3) == 5\n"
    results = graded("typescript", typed, problem.hidden_checks["typescript"])
    assert [(case["name"], case["passed"]) for case in results["cases"]] == [("1 + 2", True), ("-4 + 4", True)]
    wrong = graded(
        "typescript",
        "function add(a: number, b: number): number {\n  return a - b;\n}\n",
        problem.hidden_checks["typescript"],
    )
    assert [(case["name"], case["passed"], case["message"]) for case in wrong["cases"]] == [
        ("1 + 2", False, "returned -1, expected 3"),
        ("-4 + 4", False, "returned -8, expected 0"),
    ]
