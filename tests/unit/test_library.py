"""The prompt library: valid files load, broken ones are reported precisely, and every
series is complete in every shipped language."""

from pathlib import Path

from bot.features.prompts.library import Library
from bot.settings import SUPPORTED_LANGUAGES

GOOD = """
id = "tiny"
title = "A tiny series"
summary = "Only for this test, with one prompt."
grade_band = "k-2"
themes = ["reading"]

[[prompts]]
id = "one"
text = "What did you read together this week?"
"""


def test_the_shipped_library_is_complete_in_every_language() -> None:
    library = Library.load()
    assert library.problems == []
    assert library.locales() == sorted(SUPPORTED_LANGUAGES)
    english = {s.id: s for s in library.in_locale("en")}
    assert len(english) >= 5
    assert all(len(s.prompts) >= 6 for s in english.values())
    for language in SUPPORTED_LANGUAGES:
        translated = {s.id: s for s in library.in_locale(language)}
        assert translated.keys() == english.keys(), language
        for series_id, series in translated.items():
            assert [p.id for p in series.prompts] == [p.id for p in english[series_id].prompts], (
                series_id
            )
    bands = {s.grade_band for s in english.values()}
    assert {"pre-k-2", "9-12"} <= bands  # from pre-K to grade 12
    assert len({theme for s in english.values() for theme in s.themes}) >= 6


def test_a_broken_file_is_reported_with_its_path_and_field_and_the_rest_load(
    tmp_path: Path,
) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "tiny.toml").write_text(GOOD)
    (tmp_path / "en" / "typo.toml").write_text(
        GOOD.replace('"tiny"', '"typo"').replace("grade_band", "grade")
    )
    (tmp_path / "en" / "bad-band.toml").write_text(
        GOOD.replace('"tiny"', '"bad"').replace('"k-2"', '"college"')
    )
    (tmp_path / "en" / "twice.toml").write_text(
        GOOD.replace('"tiny"', '"twice"') + GOOD.split("[[prompts]]")[1].join(["[[prompts]]", ""])
    )
    (tmp_path / "en" / "broken.toml").write_text("id = ")
    library = Library.load(tmp_path)
    assert [s.id for s in library.in_locale("en")] == ["tiny"]
    problems = {p.path.name: (p.field, p.message) for p in library.problems}
    assert problems["typo.toml"][0] == "grade_band"
    assert problems["bad-band.toml"][0] == "grade_band"
    assert problems["twice.toml"] == ("prompts", "Value error, prompt id 'one' appears twice")
    assert problems["broken.toml"][1].startswith("is not valid TOML")
    assert str(library.problems[0]).startswith(str(tmp_path))


def test_a_locale_without_a_series_falls_back_to_english(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "tiny.toml").write_text(GOOD)
    library = Library.load(tmp_path)
    assert library.get("tiny", "es") is not None
