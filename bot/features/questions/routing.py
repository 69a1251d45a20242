"""`route add/list/remove/fallback`: which liaison a question goes to.

A rule names a topic, a grade and a language, each of which may be "any", a liaison, a
backup and how long an answer may take (working time; a day counts as a working day of
eight hours). The most specific rule that fits wins: a rule naming the topic beats any
rule that does not, then one naming the grade, then the language; among equals the
oldest. The rule with every dimension "any" is the fallback (`route fallback @name`).
When a rule's liaison is away or gone, its backup takes the question, then the next
rule that fits."""

from __future__ import annotations

from datetime import timedelta

from bot.commands import Args, CommandError
from bot.context import Context
from bot.directory import Role
from bot.features.questions import escalation, store, timing
from bot.features.questions.model import ANY, grade_of, language_of
from bot.features.questions.service import questions_of
from bot.i18n import N_
from bot.intents import Intent, Message
from bot.refs import MemberRef, mention


def _any(value: str | None) -> str | None:
    return None if value in (None, ANY) else value


async def _liaison(ctx: Context, member: MemberRef | None, option: str) -> None:
    if member is not None and not await questions_of(ctx).present(member):
        raise CommandError(
            N_(
                "{member} isn't a school liaison here yet. Give them the role first with "
                "“role grant {member} liaison”."
            ),
            {"member": mention(member)},
            option=option,
        )


async def route_add(ctx: Context, args: Args) -> list[Intent]:
    topic = _any(args.text("topic"))
    grade = grade_of(args.text("grade"))
    language = language_of(args.text("language"))
    return await _add(ctx, args, topic, grade, language)


async def _add(
    ctx: Context,
    args: Args,
    topic: str | None,
    grade: str | None,
    language: str | None,
    *,
    fallback: bool = False,
) -> list[Intent]:
    """A rule from the options every rule takes (liaison, backup, reply-within,
    escalate-to) and the dimensions it covers; the fallback replaces the one before,
    in the same transaction, once everything given is found good."""
    liaison, backup = args.member("liaison"), args.member("backup")
    assert liaison is not None
    within = args.duration("reply-within")
    escalate = escalation.target_of(ctx, args.text("escalate-to"))
    await _liaison(ctx, liaison, "liaison")
    await _liaison(ctx, backup, "backup")
    if isinstance(escalate, MemberRef):
        await _liaison(ctx, escalate, "escalate-to")
    if backup is not None and backup.id == liaison.id:
        raise CommandError(
            N_("The backup should be someone else than the liaison."), option="backup"
        )
    if within is not None and not timedelta(minutes=30) <= within <= timedelta(days=30):
        raise CommandError(
            N_("“reply-within” should be between 30 minutes and 30 days, like “2 days”."),
            option="reply-within",
        )
    qs = questions_of(ctx)
    async with qs.engine.begin() as conn:
        if fallback:
            await store.remove_fallbacks(conn, ctx.community.id)
        for rule in await store.routes(conn, ctx.community.id):
            if (rule.topic, rule.grade, rule.language) == (topic, grade, language):
                raise CommandError(
                    N_(
                        "Rule #{id} already covers exactly that. Remove it first with "
                        "“route remove {id}”."
                    ),
                    {"id": str(rule.id)},
                )
        route_id = await store.add_route(
            conn,
            community_id=ctx.community.id,
            topic=topic,
            grade=grade,
            language=language,
            liaison_id=liaison.id,
            backup_id=backup.id if backup else None,
            reply_within_minutes=int(timing.working_within(within).total_seconds() // 60)
            if within
            else None,
            created_by=ctx.member.id,
            created_at=qs.clock.now(),
            escalate_to=escalate.id if isinstance(escalate, MemberRef) else None,
            escalate_role=escalate.value if isinstance(escalate, Role) else None,
        )
        added = await store.route(conn, ctx.community.id, route_id)
    ctx.kernel.directory.changed(ctx.community.ref)  # after the commit: bot.features.questions.book
    assert added is not None
    return [ctx.reply(ctx.t._("Rule added: {rule}", rule=describe(ctx, added)))]


async def route_fallback(ctx: Context, args: Args) -> list[Intent]:
    return await _add(ctx, args, None, None, None, fallback=True)


def describe(ctx: Context, rule: store.Route) -> str:
    t = ctx.t
    anything = t.choice(ANY)
    parts = [
        t._("topic {topic}", topic=t.choice(rule.topic) if rule.topic else anything),
        t._("grade {grade}", grade=rule.grade or anything),
        t._("language {language}", language=rule.language or anything),
    ]
    text = f"#{rule.id} · " + ", ".join(parts) + f" → {mention(MemberRef('', '', rule.liaison_id))}"
    if rule.backup_id:
        text += " " + t._("(backup {backup})", backup=mention(MemberRef("", "", rule.backup_id)))
    minutes = rule.reply_within_minutes or int(timing.DEFAULT_REPLY_WITHIN.total_seconds() // 60)
    hours = round(minutes / 60, 1)
    text += " · " + t.ngettext(
        "answer within {hours} working hour",
        "answer within {hours} working hours",
        1 if hours == 1 else 2,  # 1.5 hours reads as a plural, as 2 does
        hours=t.number(hours),
    )
    if rule.escalate_to or rule.escalate_role:
        who = (
            mention(MemberRef("", "", rule.escalate_to))
            if rule.escalate_to
            else t.choice(rule.escalate_role or "")
        )
        text += " · " + t._("escalates to {who}", who=who)
    if rule.is_fallback:
        text += " · " + t._("fallback")
    return text


async def route_list(ctx: Context, args: Args) -> list[Intent]:
    qs = questions_of(ctx)
    async with qs.engine.connect() as conn:
        rules = await store.routes(conn, ctx.community.id)
    if not rules:
        return [
            ctx.reply(
                ctx.t._(
                    "No routing rules yet, so questions wait in the queue for any liaison. "
                    "“route add” or “route fallback” sets them."
                )
            )
        ]
    ordered = sorted(rules, key=lambda r: (-r.weight, r.id))
    note = ctx.t._(
        "The most specific rule that fits a question wins: topic first, then grade, then language."
    )
    text = "\n".join(describe(ctx, r) for r in ordered)
    return [ctx.reply(Message(title=ctx.t._("Routing rules"), text=text, footer=note))]


async def route_remove(ctx: Context, args: Args) -> list[Intent]:
    qs = questions_of(ctx)
    raw = args.text("id") or ""
    from bot.commands import record_id

    async with qs.engine.begin() as conn:
        gone = await store.remove_route(conn, ctx.community.id, record_id(raw) or -1)
    ctx.kernel.directory.changed(ctx.community.ref)
    if not gone:
        raise CommandError(
            N_("There's no rule numbered {value}. “route list” shows them."),
            {"value": raw},
            option="id",
        )
    return [ctx.reply(ctx.t._("Rule #{id} removed.", id=raw.lstrip("#")))]
