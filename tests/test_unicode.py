"""UTF-16 positions: emoji, CJK, CRLF, and changes that split around astral characters."""

from __future__ import annotations

from interview_server.changes import Text, canonical_changes, diff_changes, utf16_length
from interview_server.keys import STORE


def apply(text: str, changes: list) -> str:
    doc = Text.from_str(text)
    return str(doc.apply(canonical_changes(changes, len(doc))))


def test_lengths_count_utf16_units():
    assert utf16_length("a😀b") == 4
    assert utf16_length("中文") == 2
    assert len(Text.from_str("😀😀")) == 4


def test_insert_after_emoji_uses_utf16_positions():
    # "😀" is 2 units: position 2 is after it, where Python would say 1.
    assert apply("😀x", [2, [0, "!"], 1]) == "😀!x"
    assert apply("a😀b😀c", [3, [1, "B"], 3]) == "a😀B😀c"


def test_delete_and_replace_around_astral_characters():
    assert apply("x😀y", [1, [2], 1]) == "xy"
    assert apply("中😀文", [1, [2, "🎉"], 1]) == "中🎉文"
    assert apply("𝔘𝔫𝔦", [2, [2, "n"], 2]) == "𝔘n𝔦"


def test_changes_splitting_a_surrogate_pair_keep_the_units():
    # A client may (wrongly) split a pair; the server keeps exact units, like JavaScript would.
    doc = Text.from_str("😀")
    half = doc.apply(canonical_changes([1, [1]], 2))
    assert len(half) == 1
    assert str(half) == "\ud83d"


def test_crlf_is_normalised_in_documents_and_insertions():
    assert str(Text.from_str("a\r\nb\rc")) == "a\nb\nc"
    assert canonical_changes([[0, "x\r\ny"]], 0) == [[0, "x", "y"]]
    assert apply("ab", [1, [0, "1\r\n2"], 1]) == "a1\n2b"
    assert apply("", [[0, "l1", "l2\r", ""]]) == "l1\nl2\n"


def test_diff_produces_minimal_utf16_changes():
    assert diff_changes("hello", "hello") is None
    assert diff_changes("😀 world", "😀 there") == [3, [5, "there"]]
    assert diff_changes("ab", "a中b") == [1, [0, "中"], 1]
    assert diff_changes("line1\nline2", "line1\n") == [6, [5]]
    for old, new in [("", "x\ny"), ("😀😀", "😀"), ("a🎉b", "a🎊b"), ("中文", ""), ("xyz", "xyzxyz")]:
        changes = diff_changes(old, new)
        assert apply(old, changes) == new, (old, new, changes)


async def test_unicode_over_the_socket_in_every_store(client, session_id, connect):
    """Emoji, CJK and CRLF pushed over a real socket land in UTF-16 units, in each back-end."""
    alice, state = await connect(session_id)
    start = state["data"]["code"]
    n = utf16_length(start)
    pushes = [
        [[0, "😀中"], n],  # 3 units at the front
        [2, [1, "文"], n],  # replace 中 (unit 2), after the 2-unit emoji
        [3, [0, "a\r\nb"], n],  # CRLF arrives, is stored as \n
    ]
    for version, changes in enumerate(pushes):
        await alice.send("push", {"version": version, "updates": [{"clientID": "a", "changes": changes}]})
        reply = await alice.receive()
        assert reply["type"] == "updates", reply
    assert reply["data"]["updates"][0]["changes"] == [3, [0, "a", "b"], n]  # broadcast normalised
    _, fresh = await connect(session_id)
    assert fresh["data"]["code"] == "😀文a\nb" + start


async def test_half_an_emoji_is_stored_like_javascript_would_keep_it(client, session_id, connect):
    """A lone surrogate (which a JavaScript client can produce) never wedges a session, even across
    snapshots, in any back-end."""
    alice, state = await connect(session_id)
    length = utf16_length(state["data"]["code"])
    await alice.send("push", {"version": 0, "updates": [{"clientID": "a", "changes": [length, [0, "\ud83d"]]}]})
    assert (await alice.receive())["type"] == "updates"
    length += 1
    for version in range(1, 130):  # past a snapshot boundary (every 100 updates)
        await alice.send("push", {"version": version, "updates": [{"clientID": "a", "changes": [length, [0, "x"]]}]})
        reply = await alice.receive()
        assert reply["type"] == "updates", reply
        length += 1
    record = await client.app[STORE].get(session_id)
    assert record.version == 130
    assert record.text == state["data"]["code"] + "\ud83d" + "x" * 129
