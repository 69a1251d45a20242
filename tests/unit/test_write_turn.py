import asyncio

from bot.storage.batcher import WriteTurn


async def test_an_urgent_writer_goes_before_those_already_waiting() -> None:
    """The inbox's keep (an acknowledgement waits for it) must not queue behind a
    fan-out's delivery marks: it waits only for the transaction under way."""
    turn = WriteTurn()
    order: list[str] = []

    async def write(name: str, urgent: bool = False) -> None:
        async with turn.first() if urgent else turn:
            order.append(name)
            await asyncio.sleep(0)

    await turn.acquire()  # a transaction under way
    waiting = [asyncio.ensure_future(write(f"mark{n}")) for n in range(3)]
    await asyncio.sleep(0)
    keep = asyncio.ensure_future(write("keep", urgent=True))
    await asyncio.sleep(0)
    turn.release()
    await asyncio.gather(*waiting, keep)
    assert order == ["keep", "mark0", "mark1", "mark2"]
    assert not turn.locked()


async def test_a_writer_cancelled_while_waiting_leaves_the_turn_usable() -> None:
    turn = WriteTurn()
    await turn.acquire()
    gone = asyncio.ensure_future(turn.acquire(urgent=True))
    later = asyncio.ensure_future(turn.acquire())
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    turn.release()
    assert await later
    turn.release()
    assert not turn.locked()
