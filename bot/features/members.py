"""What the bot keeps about members themselves: their chosen language and time zone,
whether they take direct messages the bot starts, how digests credit what they write,
the language their platform reports, and their roles. `me settings dm=yes/no
credit-in-digests=name/initials/none` is its one command so far (the rest of `me`
comes later); it declares the export and delete hooks for the directory's tables."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.commands import Args, CommandSpec, Option
from bot.context import Context
from bot.features import Feature, Privacy
from bot.i18n import N_, NP_
from bot.intents import Intent
from bot.kernel import Kernel
from bot.refs import MemberRef
from bot.storage.members import Exported, by_member, rows
from bot.storage.tables import member_locales, member_roles, members
from bot.storage.upsert import insert_ignoring_duplicates


async def allows_dm(conn: AsyncConnection, member: MemberRef) -> bool:
    """Whether the bot may start a direct message with the member (yes unless they said no)."""
    off = (await conn.execute(select(members.c.dm_off).where(by_member(members, member)))).scalar()
    return not off


async def digest_credit(conn: AsyncConnection, member: MemberRef) -> str | None:
    """How the member asked digests to credit them ("name", "initials", "none"), or
    None when they have not said (bot.features.digests.credit reads it for many)."""
    found = await conn.execute(select(members.c.digest_credit).where(by_member(members, member)))
    return found.scalar()


_CREDITS = {
    "name": N_(
        "Digests credit what you write with your name. You can choose “initials” or “none”."
    ),
    "initials": N_(
        "Digests credit what you write with your initials only. You can choose “name” or “none”."
    ),
    "none": N_("Digests leave your name off what you write. You can choose “name” or “initials”."),
}


async def settings(ctx: Context, args: Args) -> list[Intent]:
    """`me settings [dm=yes/no] [credit-in-digests=...]`: with no option, the member's
    settings as they are (how digests credit them, once they have chosen)."""
    member = ctx.member
    async with ctx.kernel.engine.begin() as conn:
        changes: dict[str, object] = {}
        if "dm" in args:
            changes["dm_off"] = 0 if args.values.get("dm") else 1
        credit = args.text("credit-in-digests")
        if credit is not None:
            changes["digest_credit"] = credit
        if changes:
            row = {
                "community_id": ctx.community.id,
                "user_id": member.id,
                "created_at": ctx.kernel.clock.now(),
            }
            await insert_ignoring_duplicates(conn, members, [row])
            await conn.execute(update(members).where(by_member(members, member)).values(**changes))
        allowed = await allows_dm(conn, member)
        credited = await digest_credit(conn, member)
    said = (
        ctx.t._(
            "I may send you direct messages (reminders, notices). “me settings dm=no” stops them."
        )
        if allowed
        else ctx.t._(
            "I won't start direct messages with you (reminders, notices); answers to "
            "what you ask still reach you. “me settings dm=yes” turns them back on."
        )
    )
    if credited in _CREDITS:
        said += "\n" + ctx.t._(_CREDITS[credited])
    return [ctx.reply(said)]


async def export_member(conn: AsyncConnection, member: MemberRef) -> Exported:
    prefs = await conn.execute(
        select(
            members.c.language,
            members.c.timezone,
            members.c.dm_off,
            members.c.digest_credit,
            members.c.created_at,
        ).where(by_member(members, member))
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
        commands=(
            CommandSpec(
                path="me settings",
                description=N_("See or change your settings"),
                options=(
                    Option(
                        NP_("option", "dm"),
                        "bool",
                        N_("Whether I may send you direct messages, like reminders (yes or no)"),
                    ),
                    Option(
                        NP_("option", "credit-in-digests"),
                        "choice",
                        N_("How digests credit what you write: name, initials or none"),
                        choices=(
                            NP_("choice", "name"),
                            NP_("choice", "initials"),
                            NP_("choice", "none"),
                        ),
                    ),
                ),
                handler=settings,
            ),
        ),
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
