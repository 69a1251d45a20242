"""The liaisons' channel is private: in the console a parent cannot be carried into it
by `:reply`, `:react`, `:on`, `:press`, `:in` or an `:as` switch, and is told so in their
language."""

from __future__ import annotations

from tests.adapters.console.test_console import console, type_lines  # noqa: F401

EN = (
    "#liaisons is only for school liaisons and organizers, so you can't see it or post "
    "there. You are in #parents."
)


async def test_a_parent_is_kept_out_of_the_liaisons_channel(console) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    adapter, out = console
    await type_lines(adapter, out, ":in #liaisons", "A note for the staff")
    assert adapter.channel == "liaisons"
    [number] = [n for n, m in adapter.world.messages.items() if m.channel == "liaisons"]
    shown = await type_lines(adapter, out, ":as lee")
    assert shown.endswith("You are now lee.\nYou are in #parents.\n")
    assert adapter.channel == "parents"
    before = dict(adapter.world.messages)
    for line in (f":reply {number} hello", f":react {number} 👍", ":in #liaisons", ":in liaisons"):
        assert await type_lines(adapter, out, line) == EN + "\n", line
    assert adapter.channel == "parents" and adapter.world.messages == before
    shown = await type_lines(adapter, out, ":as maria", f":reply {number} hola")
    assert shown.endswith(
        "#liaisons es solo para los enlaces escolares y los organizadores, así que no puede "
        "verlo ni escribir allí. Está en #parents.\n"
    )
    # Staff still reply there: dana is an organizer (a workspace admin).
    await type_lines(adapter, out, ":as dana", f":reply {number} Thanks")
    assert adapter.channel == "liaisons"


async def test_a_parent_cannot_press_a_button_on_a_liaisons_card(console) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Numbers run across every card, the liaisons' too: a parent pressing one of those
    is kept out, as on a platform where the card is not on their screen."""
    adapter, out = console
    await type_lines(
        adapter,
        out,
        "/homeroom setup queue=#liaisons group=#parents",
        "/homeroom role grant @lee liaison",
        "/homeroom route fallback @lee",
    )
    await type_lines(adapter, out, ":as maria", "/homeroom ask When is the trip?")
    number = min(n for n, b in adapter.world.buttons.items() if b.channel == "liaisons")
    sent = len(adapter.world.messages)
    shown = await type_lines(adapter, out, f":press {number}")
    assert shown.endswith(
        "#liaisons es solo para los enlaces escolares y los organizadores, así que no puede "
        "verlo ni escribir allí. Está en #parents.\n"
    )
    assert len(adapter.world.messages) == sent  # nothing was pressed, nothing answered
