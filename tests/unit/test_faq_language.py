"""The language an FAQ entry is filed under when its writer does not say."""

from bot.features.faq.language import guessed


def test_the_words_decide_only_among_the_groups_languages() -> None:
    spanish = "¿Dónde está la oficina?"
    assert guessed(spanish, ("en", "es"), "en") == "es"
    assert guessed(spanish, ("en",), "en") == "en"  # a group of one language
    assert guessed("What is the plan for the trip?", ("en", "es"), "es") == "en"
    assert guessed("OK 123", ("en", "es"), "es") == "es"  # nothing tells: the writer's
