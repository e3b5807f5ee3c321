"""SQL: the problems' schema blocks and checks, and runs as the page's SQL worker makes them (static/src/sql-run.js
on the same sql.js wasm, in Node): every SQL problem's reference solution passes its checks and its starter fails
them, in CPython's sqlite3 and in the worker's SQLite alike; results are tables, errors name their statement."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from interview_server.problems import ProblemError, load_problems, parse_problem

from .support.code_runners import graded, run_sql
from .support.server_process import ROOT

SQL_BUILTINS = ["sql-customer-orders", "sql-departments-over-budget", "sql-top-salaries"]
SOLUTIONS = ROOT / "tests" / "fixtures" / "solutions"
EXPECT = re.compile(r"^--\s*expect\s+(ordered|unordered)\b:?\s*(.*)$", re.IGNORECASE)
ROW = re.compile(r"^--\s*(\[.*\])\s*$")


def run_in_worker_sqlite(code: str, schema: str = "") -> dict:
    """{status, stdout, stderr, version} of a run as the SQL worker makes it."""
    return run_sql(code, schema)


def expectations(checks: str) -> list[tuple[bool, list[list]]]:
    """(ordered, rows) of each `-- expect` directive, read as docs/PROBLEMS.md describes them."""
    found, lines = [], checks.splitlines()
    for index, line in enumerate(lines):
        match = EXPECT.match(line.strip())
        if match:
            rows = []
            for row_line in lines[index + 1 :]:
                row = ROW.match(row_line.strip())
                if not row:
                    break
                rows.append(json.loads(row.group(1)))
            found.append((match.group(1).lower() == "ordered", rows))
    return found


def canonical(row) -> str:
    """As the worker compares rows: numbers to 6 decimal places (so 0.0 is 0)."""

    def number(value):
        value = round(value, 6) + 0
        return int(value) if value == int(value) else value

    return json.dumps([number(value) if isinstance(value, float) else value for value in row])


def cpython_result(schema: str, code: str) -> list[list]:
    """The rows of the last statement that returned any, run statement by statement in CPython's sqlite3."""
    db = sqlite3.connect(":memory:")
    db.executescript(schema)
    last = None
    rest = code
    while rest.strip():
        end = next(i for i in range(1, len(rest) + 1) if sqlite3.complete_statement(rest[:i]) or i == len(rest))
        statement, rest = rest[:end], rest[end:]
        cursor = db.execute(statement)
        if cursor.description:
            last = [list(row) for row in cursor.fetchall()]
    return last or []


def cpython_passes(problem, code: str) -> bool:
    rows = [canonical(row) for row in cpython_result(problem.schema["sql"], code)]
    for ordered, expected in expectations(problem.checks["sql"]):
        want = [canonical(row) for row in expected]
        if (rows if ordered else sorted(rows)) != (want if ordered else sorted(want)):
            return False
    return True


@pytest.mark.parametrize("problem_id", SQL_BUILTINS)
def test_sql_problems_have_a_schema_listed_with_its_tables_and_checks(problem_id):
    problem = load_problems()[problem_id]
    assert problem.summary()["languages"] == ["sql"]
    assert problem.schema and problem.schema["tables"], problem.id
    for table in problem.schema["tables"]:
        assert table["columns"] and all(column["name"] and column["type"] for column in table["columns"])
        assert table["rows"] > 0
    assert problem.to_json()["schema"] == problem.schema == problem.shown()["schema"]
    assert problem.shown()["languages"] == ["sql"]
    assert "```sql" not in problem.prompt and "CREATE TABLE" not in problem.prompt
    assert expectations(problem.checks["sql"]), problem.id


@pytest.mark.parametrize("problem_id", SQL_BUILTINS)
def test_sql_reference_solutions_pass_and_starters_fail_in_cpython_sqlite(problem_id):
    problem = load_problems()[problem_id]
    assert cpython_passes(problem, (SOLUTIONS / f"{problem_id}.sql").read_text(encoding="utf-8"))
    assert not cpython_passes(problem, problem.starters["sql"])


@pytest.mark.parametrize("problem_id", SQL_BUILTINS)
def test_sql_reference_solutions_pass_and_starters_fail_in_the_workers_sqlite(problem_id):
    problem = load_problems()[problem_id]
    schema, checks = problem.schema["sql"], problem.checks["sql"]
    solved = run_in_worker_sqlite(
        (SOLUTIONS / f"{problem_id}.sql").read_text(encoding="utf-8") + "\n\n" + checks, schema
    )
    assert solved["status"] == "ok" and solved["stderr"] == "", solved
    total = len(expectations(checks))
    assert solved["stdout"].rstrip().endswith(f"Passed {total} of {total} checks."), solved["stdout"]
    assert solved["stdout"].count("\n✓ ") == total
    started = run_in_worker_sqlite(problem.starters["sql"] + "\n\n" + checks, schema)
    assert started["status"] == "ok", started
    assert started["stdout"].rstrip().endswith(f"Passed 0 of {total} checks."), started["stdout"]
    assert "✗ " in started["stdout"]


def test_a_run_shows_each_result_as_a_table_and_writes_as_rows_affected():
    run = run_in_worker_sqlite(
        "INSERT INTO people VALUES ('Grace', 'New York');\nUPDATE people SET city = 'NYC' WHERE city = 'New York';\n"
        "CREATE TABLE pets (name TEXT);\nSELECT name, city, 7 AS n, NULL AS missing FROM people ORDER BY name;",
        "CREATE TABLE people (name TEXT, city TEXT); INSERT INTO people VALUES ('Ada', 'London');",
    )
    assert run["status"] == "ok" and run["version"].startswith("3."), run
    assert run["stdout"] == (
        "-- 1: INSERT INTO people VALUES ('Grace', 'New York');\n1 row affected\n\n"
        "-- 2: UPDATE people SET city = 'NYC' WHERE city = 'New York';\n1 row affected\n\n"
        "-- 3: CREATE TABLE pets (name TEXT);\ndone\n\n"
        "-- 4: SELECT name, city, 7 AS n, NULL AS missing FROM people ORDER BY name;\n"
        " name  | city   | n | missing\n"
        "-------+--------+---+---------\n"
        " Ada   | London | 7 | NULL\n"
        " Grace | NYC    | 7 | NULL\n"
        "(2 rows)\n\n"
    )


def test_an_error_names_its_statement_its_line_and_sqlites_message_after_the_earlier_results():
    run = run_in_worker_sqlite("SELECT 1 AS one;\n\n-- a comment\nSELECT * FROM nowhere;\nSELECT 2;")
    assert run["status"] == "error"
    assert run["stdout"].startswith("-- 1: SELECT 1 AS one;\n one\n-----\n   1\n(1 row)\n")
    assert run["stderr"] == "Error in statement 2 (line 4): SELECT * FROM nowhere;\nno such table: nowhere\n"
    syntax = run_in_worker_sqlite("SELECT 1;\nSELEC 2;")
    assert syntax["stderr"] == 'Error in statement 2 (line 2): SELEC 2;\nnear "SELEC": syntax error\n'


def test_long_results_are_capped_with_a_note_and_the_count_of_all_rows():
    run = run_in_worker_sqlite(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1234) SELECT n FROM r;"
    )
    lines = run["stdout"].rstrip().splitlines()
    assert lines[-1] == "(1,234 rows; the first 500 shown)"
    assert lines[1:4] == [" n", "-----", "   1"] and lines[-2] == " 500"


def test_unordered_checks_say_what_is_missing_and_what_is_not_expected():
    checks = '\n-- expect unordered: the pair\n-- ["a", 1]\n-- ["b", 2.5]\n'
    good = run_in_worker_sqlite("SELECT 'b', 2.5 UNION ALL SELECT 'a', 1.0;" + checks)
    assert "✓ the pair: 2 rows, as expected\nPassed 1 of 1 checks." in good["stdout"]
    bad = run_in_worker_sqlite("SELECT 'a', 1 UNION ALL SELECT 'c', 3;" + checks)
    assert '✗ the pair: 2 rows, expected 2; missing ["b",2.5]; not expected ["c",3]' in bad["stdout"]
    none = run_in_worker_sqlite("CREATE TABLE t (a);" + checks)
    assert "✗ the pair: no query returned rows before this check (end with a SELECT)" in none["stdout"]


def test_a_schema_block_that_does_not_load_is_refused_and_one_without_a_sql_starter_too():
    broken = "# T\n```sql schema\nCREATE TABLE t (a;\n```\n```sql starter\nSELECT 1;\n```\n"
    with pytest.raises(ProblemError, match=r"the ```sql schema block on line 2 does not load in SQLite"):
        parse_problem("t", broken)
    orphan = "# T\n```sql schema\nCREATE TABLE t (a);\n```\n```python starter\npass\n```\n"
    with pytest.raises(ProblemError, match="a ```sql schema block without a ```sql starter"):
        parse_problem("t", orphan)


# Hidden checks: cases, each with its own data changes, run on the candidate's code in savepoints (hidden-program.js).
CASE = re.compile(r"--\s*case:\s*(.*)")


def hidden_cases(checks: str) -> list[tuple[str, str, bool, list[list]]]:
    """(name, setup, ordered, rows) of each `-- case:` of SQL hidden checks, read as docs/PROBLEMS.md describes."""
    cases = []
    for block in re.split(r"(?m)^(?=--\s*case:)", checks):
        name = CASE.match(block)
        if name:
            setup = block[block.index("\n") + 1 : re.search(r"(?m)^--\s*expect", block).start()]
            [(ordered, rows)] = expectations(block)
            cases.append((name.group(1).strip(), setup, ordered, rows))
    return cases


def reference(problem_id: str) -> str:
    return (SOLUTIONS / f"{problem_id}.sql").read_text(encoding="utf-8")


def hidden_graded(problem, code: str) -> dict:
    return graded("sql", code, problem.hidden_checks["sql"], schema=problem.schema["sql"])


@pytest.mark.parametrize("problem_id", SQL_BUILTINS)
def test_sql_hidden_checks_pass_the_reference_and_fail_the_starter_in_the_workers_sqlite(problem_id):
    problem = load_problems()[problem_id]
    cases = hidden_cases(problem.hidden_checks["sql"])
    names = [name for name, *_ in cases]
    assert len(cases) >= 3 and len(set(names)) == len(names), names
    solved = hidden_graded(problem, reference(problem_id))
    assert [case["name"] for case in solved["cases"]] == names
    assert solved["passed"] == solved["total"] == len(cases), solved
    started = hidden_graded(problem, problem.starters["sql"])
    assert started["total"] == len(cases) and started["passed"] == 0, started


@pytest.mark.parametrize("problem_id", SQL_BUILTINS)
def test_sql_hidden_cases_expect_what_cpythons_sqlite_gives_the_reference(problem_id):
    problem = load_problems()[problem_id]
    cases = hidden_cases(problem.hidden_checks["sql"])
    assert len(cases) >= 3
    for name, setup, ordered, rows in cases:
        got = [canonical(row) for row in cpython_result(problem.schema["sql"] + "\n" + setup, reference(problem_id))]
        want = [canonical(row) for row in rows]
        assert (got if ordered else sorted(got)) == (want if ordered else sorted(want)), name


@pytest.mark.parametrize(
    "problem_id, near_miss, failing",
    [
        # grouped by name: two customers called Alan Turing become one
        (
            "sql-customer-orders",
            ("GROUP BY c.id, c.name", "GROUP BY c.name"),
            {"two customers with the same name stay apart"},
        ),
        # RANK() leaves gaps after ties, so a department's second salary may get rank 3
        ("sql-top-salaries", ("DENSE_RANK()", "RANK()"), {"a three-way tie at the top"}),
        # every department with two employees, over budget or not on budget
        ("sql-departments-over-budget", ("> d.budget", ">= d.budget"), {"a department exactly on budget is not over"}),
    ],
)
def test_a_near_miss_fails_the_hidden_case_written_for_it(problem_id, near_miss, failing):
    problem = load_problems()[problem_id]
    code = reference(problem_id)
    assert near_miss[0] in code
    results = hidden_graded(problem, code.replace(*near_miss))
    assert failing <= {case["name"] for case in results["cases"] if not case["passed"]}, results


def test_a_candidates_own_directives_are_not_hidden_results_and_a_missing_semicolon_is_fine():
    problem = load_problems()["sql-customer-orders"]
    forged = problem.starters["sql"].rstrip().rstrip(";") + '\n-- expect unordered: forged\n-- ["Ada Lovelace"]\n'
    results = hidden_graded(problem, forged)
    assert "forged" not in {case["name"] for case in results["cases"]}
    assert results["total"] == len(hidden_cases(problem.hidden_checks["sql"])) and results["passed"] == 0
    nonce = hidden_graded(problem, "-- grading-nonce: 00\n" + reference("sql-customer-orders").rstrip().rstrip(";"))
    assert nonce["passed"] == nonce["total"] == 4, nonce


@pytest.mark.parametrize("space", ["\u00a0", "\f", "\v", "\u2003", " \t "])
def test_directives_hidden_by_unusual_whitespace_are_not_hidden_results_either(space):
    """A candidate's directive with a no-break space (invisible in the editor) or another whitespace, and a nonce
    line of their own, neither pass a case nor hide the real results."""
    problem = load_problems()["sql-customer-orders"]
    names = [name for name, *_ in hidden_cases(problem.hidden_checks["sql"])]
    forged = (
        "SELECT 0 AS wrong;\n"
        + "".join(f"--{space}expect unordered: {name}\n-- [0]\n" for name in names)
        + f"--{space}grading-nonce: 00\n"
        + "".join(f"--{space}expect unordered: filler\n-- [0]\n" for _ in range(250))
    )
    results = hidden_graded(problem, forged)
    assert [case["name"] for case in results["cases"]] == names, results
    assert results["passed"] == 0


def test_a_failing_statement_is_one_failed_case_naming_it():
    problem = load_problems()["sql-customer-orders"]
    results = hidden_graded(problem, "SELECT * FROM nowhere;")
    assert results["passed"] == 0 and results["total"] == 1
    assert "no such table: nowhere" in results["cases"][0]["message"], results
