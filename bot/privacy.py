"""Members' data across features: every feature exports and deletes its own members'
rows through its `Privacy` hooks, and every column that holds a member's ID or words
must be covered by one (`uncovered` finds those that are not; a test holds us to it).

A column says it holds a member's data by `info={"member": True}`. Names that usually
mean a member (`user_id`, `created_by`, `author_id`, ...) are checked too, so a column
someone forgot to declare is caught as well.

Most of a feature's hooks are the same few moves over the columns that name a member:
export some columns of the rows, and on deletion drop the rows or take the member off
them. `member_privacy` builds a feature's `Privacy` from `Held` declarations of those,
plus whatever a feature must do its own way (an anonymous token, a join).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, MetaData, Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features import Delete, Export, Feature, Privacy
from bot.refs import MemberRef
from bot.storage.members import Exported, by_member, rows

# Names that hold a member's ID unless declared otherwise (`info={"member": False}`).
MEMBER_NAMES = re.compile(
    r"^(user_id|user|member|member_id|author|author_id|asker|asker_id|voter|voter_id"
    r"|owner_id|liaison_id|organizer_id|[a-z]+_by)$"
)


def member_columns(tables: Iterable[Table]) -> set[tuple[str, str]]:
    """(table, column) pairs that hold a member's ID or words: declared, or so named."""
    found = set()
    for table in tables:
        for column in table.columns:
            declared = column.info.get("member")
            if declared or (declared is None and MEMBER_NAMES.match(column.name)):
                found.add((table.name, column.name))
    return found


def all_tables(features: Iterable[Feature], metadata: MetaData) -> list[Table]:
    """The shared schema's tables and any a feature keeps on a metadata of its own."""
    tables = {table.fullname: table for table in metadata.tables.values()}
    for feature in features:
        tables.update((table.fullname, table) for table in feature.tables)
    return list(tables.values())


def uncovered(features: Iterable[Feature], metadata: MetaData) -> set[tuple[str, str]]:
    """Member columns that no feature's export and delete hooks cover."""
    features = list(features)
    covered = {pair for f in features if f.privacy for pair in f.privacy.covers}
    return member_columns(all_tables(features, metadata)) - covered


async def export_member(
    conn: AsyncConnection, features: Iterable[Feature], member: MemberRef
) -> dict[str, Exported]:
    """What every feature holds about `member`, by feature name."""
    return {f.name: await f.privacy.export(conn, member) for f in features if f.privacy}


async def delete_member(
    conn: AsyncConnection, features: Iterable[Feature], member: MemberRef
) -> int:
    """Delete (or anonymise, where a feature keeps the group's record) what every
    feature holds about `member`, in one transaction; the rows changed."""
    return sum([await f.privacy.delete(conn, member) for f in features if f.privacy])


@dataclass(frozen=True, slots=True)
class Held:
    """Rows of `table` (keyed by community) whose `column` names a member.

    Exported: the `shows` columns, under `name` (the table's name if empty), ordered by
    `order_by`; nothing when `shows` is empty (the feature's own export shows them).
    Deleted: the rows go, but where they are the group's record too they stay, with
    `column` set to `left` (None, or "" for a required column): all of them when not
    `goes`, or those matching `stays` (an FAQ proposal that became an entry)."""

    table: Table
    column: str = "user_id"
    shows: tuple[str, ...] = ()
    name: str = ""
    order_by: str | None = None
    goes: bool = True
    left: str | None = None
    stays: ColumnElement[bool] | None = None

    async def export(self, conn: AsyncConnection, member: MemberRef) -> list[dict[str, Any]]:
        query = select(*(self.table.c[c] for c in self.shows)).where(self.mine(member))
        if self.order_by:
            query = query.order_by(self.table.c[self.order_by])
        return rows(await conn.execute(query))

    async def delete(self, conn: AsyncConnection, member: MemberRef) -> int:
        mine, gone = self.mine(member), 0
        if self.goes:
            doomed = mine if self.stays is None else mine & ~self.stays
            gone += (await conn.execute(delete(self.table).where(doomed))).rowcount
            if self.stays is None:
                return gone
        taken_off = update(self.table).where(mine).values({self.column: self.left})
        return gone + (await conn.execute(taken_off)).rowcount

    def mine(self, member: MemberRef) -> ColumnElement[bool]:
        return by_member(self.table, member, self.column)


def member_privacy(
    *held: Held,
    covers: tuple[tuple[str, str], ...] = (),
    export: Export | None = None,
    delete: Delete | None = None,
) -> Privacy:
    """A feature's `Privacy` from what its tables hold (`held`), covering each held
    column and `covers` (columns of a member's own words in those rows, and those the
    feature's own `export` and `delete` handle). On deletion the feature's own `delete`
    runs first, then each held column's, in order; the export shows both."""

    async def export_all(conn: AsyncConnection, member: MemberRef) -> Exported:
        found = {h.name or h.table.name: await h.export(conn, member) for h in held if h.shows}
        return found | (await export(conn, member) if export else {})

    async def delete_all(conn: AsyncConnection, member: MemberRef) -> int:
        gone = await delete(conn, member) if delete else 0
        for h in held:
            gone += await h.delete(conn, member)
        return int(gone)

    columns = [(h.table.name, h.column) for h in held] + list(covers)
    return Privacy(covers=tuple(dict.fromkeys(columns)), export=export_all, delete=delete_all)


class MemberData:
    """Every running feature's privacy hooks in one place, for `me export` and `me
    delete`: the app fills `features` once they are built (a feature's own build cannot
    see the others)."""

    def __init__(self) -> None:
        self.features: tuple[Feature, ...] = ()

    async def export(self, conn: AsyncConnection, member: MemberRef) -> dict[str, Exported]:
        return await export_member(conn, self.features, member)

    async def delete(self, conn: AsyncConnection, member: MemberRef) -> int:
        return await delete_member(conn, self.features, member)
