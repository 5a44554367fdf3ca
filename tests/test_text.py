"""pipeline.text: small helpers shared by the modules."""

from __future__ import annotations

from pipeline.text import REMEMBERED_CHARS, remembered


def test_remembered_keeps_texts_of_a_few_lines_and_computes_longer_ones_each_time() -> None:
    calls: list[str] = []

    @remembered(maxsize=8)
    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    short, long = "a few words", "x" * (REMEMBERED_CHARS + 1)
    assert [shout(short), shout(short)] == ["A FEW WORDS", "A FEW WORDS"]
    assert [shout(long), shout(long)] == [long.upper(), long.upper()]
    assert calls == [short, long, long]
    assert shout.__wrapped__(short) == "A FEW WORDS"  # type: ignore[attr-defined]
