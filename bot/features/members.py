"""What the bot keeps about members themselves: their chosen language and time zone,
the language their platform reports, and their roles. Its commands come later (`me`);
today it declares the export and delete hooks for the directory's tables."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features import Feature, Privacy
from bot.kernel import Kernel
from bot.refs import MemberRef
from bot.storage.members import Exported, by_member, rows
from bot.storage.tables import member_locales, member_roles, members


async def export_member(conn: AsyncConnection, member: MemberRef) -> Exported:
    prefs = await conn.execute(
        select(members.c.language, members.c.timezone, members.c.created_at).where(
            by_member(members, member)
        )
    )
    locale = await conn.execute(
        select(member_locales.c.locale).where(by_member(member_locales, member))
    )
    roles = await conn.execute(
        select(member_roles.c.role, member_roles.c.granted_at)
        .where(by_member(member_roles, member))
        .order_by(member_roles.c.role)
    )
    # Roles they gave others: which role and when, not to whom (that is the other's data).
    granted = await conn.execute(
        select(member_roles.c.role, member_roles.c.granted_at)
        .where(by_member(member_roles, member, "granted_by"))
        .order_by(member_roles.c.granted_at)
    )
    return {
        "members": rows(prefs),
        "member_locales": rows(locale),
        "member_roles": rows(roles),
        "member_roles_granted": rows(granted),
    }


async def delete_member(conn: AsyncConnection, member: MemberRef) -> int:
    """Their preferences and roles go; a role they gave someone stays, without the giver."""
    gone = 0
    for table in (members, member_locales, member_roles):
        gone += (await conn.execute(delete(table).where(by_member(table, member)))).rowcount
    gone += (
        await conn.execute(
            update(member_roles)
            .where(by_member(member_roles, member, "granted_by"))
            .values(granted_by=None)
        )
    ).rowcount
    return gone


def build(kernel: Kernel) -> Feature:
    return Feature(
        name="members",
        tables=(members, member_locales, member_roles),
        privacy=Privacy(
            covers=(
                ("members", "user_id"),
                ("member_locales", "user_id"),
                ("member_roles", "user_id"),
                ("member_roles", "granted_by"),
            ),
            export=export_member,
            delete=delete_member,
        ),
    )
