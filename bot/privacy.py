"""Members' data across features: every feature exports and deletes its own members'
rows through its `Privacy` hooks, and every column that holds a member's ID or words
must be covered by one (`uncovered` finds those that are not; a test holds us to it).

A column says it holds a member's data by `info={"member": True}`. Names that usually
mean a member (`user_id`, `created_by`, `author_id`, ...) are checked too, so a column
someone forgot to declare is caught as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features import Feature
from bot.refs import MemberRef
from bot.storage.members import Exported

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
