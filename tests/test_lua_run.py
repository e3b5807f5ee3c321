"""Lua runs as the page's Lua worker makes them (static/src/lua-run.js on wasmoon's wasm, in Node): output as the
`lua` command writes it, the Input box's text read as a file by io.read / io.lines / io.stdin, errors with the
program's lines only, a fresh state per run, and no shell."""

from __future__ import annotations

import pytest

from .support.code_runners import lua_run, lua_runs


def test_print_and_io_write_format_values_as_lua_does():
    result = lua_run(
        'print("a", 1, 2.5, 1.0, nil, true, 2^63, 10 // 3, 7 / 2)\n'
        'io.write("x", 3, 4.0, 0.1, "\\n")\n'
        'io.stdout:write("chained"):write(" too\\n")\n'
        'io.stderr:write("to stderr\\n")\n'
        'print(io.write("") == io.stdout, tostring(io.stdout), tostring(io.stdin))\n'
    )
    assert result == {
        "status": "ok",
        "stdout": "a\t1\t2.5\t1.0\tnil\ttrue\t9.2233720368548e+18\t3\t3.5\n"
        "x340.1\nchained too\ntrue\tfile (stdout)\tfile (stdin)\n",
        "stderr": "to stderr\n",
    }


def test_io_write_refuses_what_lua_refuses():
    result = lua_run("io.write({})")
    assert result["status"] == "error"
    assert result["stderr"].startswith("main.lua:1: bad argument #1 to 'write' (string expected, got table)\n")


def test_the_input_text_is_read_as_a_file():
    code = (
        'local a, b = io.read("n", "n")\n'
        "print(a + b, math.type(a), math.type(b))\n"
        "print(io.read())\n"  # the rest of the numbers' line: empty
        'print(io.read("L"))\n'
        "print(io.read(3), io.read(0))\n"
        "for line in io.lines() do print('line', line) end\n"
        'print(io.read(), io.read("a"), io.read(0), io.read("n"))\n'
    )
    result = lua_run(code, "20 22.5\nkeep newline\nabcdef\nx\ny")
    assert result["stdout"] == (
        "42.5\tinteger\tfloat\n\nkeep newline\n\nabc\t\nline\tdef\nline\tx\nline\ty\nnil\t\tnil\tnil\n"
    ), result


def test_io_stdin_and_the_5_1_formats_read_the_same_text():
    result = lua_run(
        'print(io.stdin:read("*l"), io.stdin:read("*n"))\nfor n in io.stdin:lines("n") do print(n) end', "hi\n1 2 3"
    )
    assert result["stdout"] == "hi\t1\n2\n3\n", result


def test_a_run_time_error_names_the_line_and_only_the_program_s_frames():
    code = 'local function area(shape)\n  return shape.width * shape.height\nend\nprint("before")\nprint(area({ width = 2 }))\n'
    assert lua_run(code) == {
        "status": "error",
        "stdout": "before\n",
        "stderr": "main.lua:2: attempt to perform arithmetic on a nil value (field 'height')\n"
        "stack traceback:\n\tmain.lua:2: in local 'area'\n\tmain.lua:5: in main chunk\n",
    }


@pytest.mark.parametrize(
    ("code", "stderr"),
    [
        ("print(1\nlocal x = = 2\n", "main.lua:2: ')' expected (to close '(' at line 1) near 'local'\n"),
        ("error({})", "(error object is a table value)\nstack traceback:\n\tmain.lua:1: in main chunk\n"),
        ("error('plain', 0)", "plain\nstack traceback:\n\tmain.lua:1: in main chunk\n"),
    ],
)
def test_syntax_errors_and_odd_error_values_are_reported(code, stderr):
    assert lua_run(code) == {"status": "error", "stdout": "", "stderr": stderr}


def test_os_exit_ends_the_run_quietly_and_there_is_no_shell():
    assert lua_run('print("before")\nos.exit(3)\nprint("after")') == {
        "status": "ok",
        "stdout": "before\n",
        "stderr": "",
    }
    for call in ('os.execute("ls")', 'io.popen("ls")'):
        result = lua_run(call)
        name = call.split("(")[0]
        assert result["status"] == "error"
        assert result["stderr"].startswith(f"main.lua:1: {name} is not available: the code runs in a browser\n")


def test_unicode_passes_through():
    assert lua_run('print("héllo ✓ 🎉", #"é")')["stdout"] == "héllo ✓ 🎉\t2\n"


def test_a_stack_overflow_is_an_error_with_a_short_traceback_and_the_next_run_works():
    overflow, after = lua_runs(["local function f() return f() + 1 end\nf()", 'print("next", leaked)'])
    lines = overflow["stderr"].splitlines()
    assert overflow["status"] == "error" and lines[0] == "main.lua:1: stack overflow", lines[:3]
    assert any(line.startswith("\t...\t(skipping ") for line in lines) and len(lines) < 30, lines
    assert after == {"status": "ok", "stdout": "next\tnil\n", "stderr": ""}


def test_every_run_starts_from_a_fresh_state():
    first, second = lua_runs(["leaked = 1\nstring.upper = nil\nprint(leaked)", "print(leaked, ('a'):upper())"])
    assert (first["stdout"], second["stdout"]) == ("1\n", "nil\tA\n")
