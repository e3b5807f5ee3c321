"""Hidden checks: the problem file format that carries them (with tags, difficulty, what candidates learn and a
rubric), and the program the interviewer's browser runs, built by the page's own module
(static/src/grading/hidden-program.js) and run for real in CPython and in Node as the page's workers run it."""

from __future__ import annotations

import json

import pytest

from interview_server.problems import DEFAULT_RUBRIC, ProblemError, parse_problem

from .support.code_runners import NONCE, bridge, graded


GRADED = """---
title: Add
tags: [math, Warm-up]
difficulty: Easy
hidden_results: names
---

Return `a + b`.

```python starter
def add(a, b):
    pass
```

```javascript starter
function add(a, b) {
  return null;
}
```

```python hidden-checks
grade("small", lambda: add(2, 3), 5)
grade("negative", lambda: add(-2, -3), -5)
grade("pairs", lambda: [add(1, 1), add(2, 2)], (2, 4))
```

```javascript hidden-checks
grade("small", () => add(2, 3), 5);
grade("negative", () => add(-2, -3), -5);
grade("pairs", () => [add(1, 1), add(2, 2)], [2, 4]);
```

```rubric
Correctness | 1-4 | The sum is right.
Style | 1-3 | Reads well.
```
"""


def test_hidden_checks_tags_difficulty_and_a_rubric_are_read_and_none_of_them_is_in_the_prompt():
    problem = parse_problem("add", GRADED)
    assert problem.prompt == "Return `a + b`."
    assert set(problem.hidden_checks) == {"python", "javascript"} and problem.checks == {}
    assert problem.tags == ("math", "warm-up") and problem.difficulty == "easy" and problem.hidden_results == "names"
    assert problem.rubric == (
        {"name": "Correctness", "description": "The sum is right.", "scale": 4},
        {"name": "Style", "description": "Reads well.", "scale": 3},
    )
    public = json.dumps([problem.to_json(), problem.summary()])
    assert "grade(" not in public and "Correctness" not in public  # what anyone may ask for
    assert problem.grading() == {
        "problem_id": "add",
        "hidden_checks": problem.hidden_checks,
        "hidden_results": "names",
        "rubric": [dict(criterion) for criterion in problem.rubric],
    }


def test_without_grading_front_matter_the_defaults_apply():
    problem = parse_problem("add", "# Add\n```python starter\npass\n```")
    assert (problem.tags, problem.difficulty, problem.hidden_results, problem.rubric) == (
        (),
        "",
        "count",
        DEFAULT_RUBRIC,
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("---\ntitle: A\ndifficulty: brutal\n---\n```python starter\npass\n```", "difficulty 'brutal'"),
        ("---\ntitle: A\nhidden_results: all\n---\n```python starter\npass\n```", "hidden_results 'all'"),
        ("# A\n```python starter\npass\n```\n```javascript hidden-checks\nx\n```", "hidden checks for javascript"),
        ("# A\n```python starter\npass\n```\n```rubric\nNo scale here\n```", "rubric line 6"),
        ("# A\n```python starter\npass\n```\n```rubric\nA | 1-11 | too fine\n```", "a scale of 2 to 10"),
        ("# A\n```python starter\npass\n```\n```rubric\n```", "needs 1 to 10 criteria"),
        (
            "# A\n```python starter\npass\n```\n```python hidden-checks\na\n```\n```python hidden-checks\nb\n```",
            "second",
        ),
    ],
)
def test_unusable_grading_parts_raise_a_clear_error(text, message):
    with pytest.raises(ProblemError, match=message):
        parse_problem("a", text)


SOLUTIONS = {"python": "def add(a, b):\n    return a + b\n", "javascript": "function add(a, b) {\n  return a + b;\n}\n"}
WRONG = {"python": "def add(a, b):\n    return a - b\n", "javascript": "function add(a, b) {\n  return a - b;\n}\n"}


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_a_right_solution_passes_every_case_with_its_name_and_time(language):
    problem = parse_problem("add", GRADED)
    results = graded(language, SOLUTIONS[language], problem.hidden_checks[language])
    assert (results["passed"], results["total"]) == (3, 3)
    assert [case["name"] for case in results["cases"]] == ["small", "negative", "pairs"]
    assert all(case["passed"] and case["message"] == "" and case["ms"] >= 0 for case in results["cases"])


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_a_wrong_solution_fails_with_what_it_returned(language):
    problem = parse_problem("add", GRADED)
    results = graded(language, WRONG[language], problem.hidden_checks[language])
    assert (results["passed"], results["total"]) == (0, 3)
    assert "returned -1, expected 5" in results["cases"][0]["message"]


CHEATS = {
    # Prints lines that look like results, and returns an object equal to anything.
    "python": (
        'print("\\x1ehidden-case ' + NONCE[:-1] + 'x {\\"name\\": \\"small\\", \\"passed\\": true, \\"ms\\": 0, '
        '\\"message\\": \\"\\"}")\n'
        "class Anything:\n    def __eq__(self, other):\n        return True\n"
        "def add(a, b):\n    return Anything()\n"
        "def grade(*args):\n    raise SystemExit('a candidate grade() is not used')\n"
    ),
    "javascript": (
        'console.log("\\u001ehidden-case ' + NONCE[:-1] + 'x " + JSON.stringify({name: "small", passed: true}));\n'
        "function add(a, b) {\n  return { valueOf: () => a + b, toJSON: () => undefined };\n}\n"
        "function grade() {\n  throw new Error('a candidate grade() is not used');\n}\n"
    ),
}


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_printed_look_alikes_and_an_object_equal_to_anything_do_not_pass(language):
    problem = parse_problem("add", GRADED)
    results = graded(language, CHEATS[language], problem.hidden_checks[language])
    assert results["total"] == 3 and results["passed"] == 0, results


@pytest.mark.parametrize(
    "language, checks",
    [
        ("python", 'grade("one", lambda: add(1, 1), 2)\nraise RuntimeError("boom")'),
        ("javascript", "grade('one', () => add(1, 1), 2); throw new Error('boom');"),
    ],
)
def test_checks_that_crash_are_one_failed_case_after_those_that_ran(language, checks):
    results = graded(language, SOLUTIONS[language], checks)
    assert [(case["name"], case["passed"]) for case in results["cases"]] == [
        ("one", True),
        ("the hidden checks", False),
    ]
    assert "boom" in results["cases"][1]["message"]


def test_a_run_that_ended_early_is_a_failed_case_saying_why():
    results = json.loads(bridge({"read": {"output": "", "nonce": NONCE, "ending": "timed out after 10 s"}}))
    assert results == {
        "cases": [{"name": "the hidden checks", "passed": False, "ms": 0, "message": "timed out after 10 s"}],
        "passed": 0,
        "total": 1,
    }


def test_a_case_reported_twice_counts_once():
    mark = f"\u001ehidden-case {NONCE} "
    first = '{"name": "empty", "passed": false, "ms": 1, "message": "returned 1, expected 0"}'
    again = '{"name": "empty", "passed": true, "ms": 1, "message": ""}'
    output = f"{mark}{first}\n{mark}{again}\n"
    results = json.loads(bridge({"read": {"output": output, "nonce": NONCE, "ending": ""}}))
    assert (results["passed"], results["total"], results["cases"][0]["passed"]) == (0, 1, False)
