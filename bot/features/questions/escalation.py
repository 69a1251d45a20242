"""Who a late question goes to once even its backup has not answered: the escalate-to
person or role its routing rule names (`route add ... escalate-to=@name` or
`escalate-to=liaison`), else the organizers. Whoever it goes to may take it over with
`queue claim`, as the backup may before them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.commands import CommandError, Option, convert_value
from bot.context import Context
from bot.directory import GRANTABLE_ROLES, Role
from bot.features.questions import store
from bot.features.questions.model import Question
from bot.features.questions.service import Questions
from bot.i18n import N_, NP_
from bot.refs import CommunityRef, MemberRef

ESCALATE_TO = NP_("option", "escalate-to")
_AS_MEMBER = Option(ESCALATE_TO, "member", "")
_AS_ROLE = Option(ESCALATE_TO, "choice", "", choices=tuple(r.value for r in GRANTABLE_ROLES))


def target_of(ctx: Context, raw: str | None) -> MemberRef | Role | None:
    """What a member typed for `escalate-to`: a member (@name) or a role, in their
    language (a plural "liaisons" too); nothing: None, the organizers."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if text.startswith(("<@", "@")):
        member = convert_value(_AS_MEMBER, text, ctx.conversation, ctx.t)
        assert isinstance(member, MemberRef)
        return member
    for word in (text, text.removesuffix("s"), text.removesuffix("es")):
        try:
            return Role(str(convert_value(_AS_ROLE, word, ctx.conversation, ctx.t)))
        except CommandError:
            continue
    raise CommandError(
        N_("I couldn't tell who “{value}” is. Name a liaison like @name, or a role: {choices}."),
        {"value": raw, "choices": ", ".join(ctx.t.choice(r.value) for r in GRANTABLE_ROLES)},
        option="escalate-to",
    )


async def targets(qs: Questions, conn: AsyncConnection, question: Question) -> list[MemberRef]:
    """The members the question's rule escalates to, still here (none: the organizers
    are told instead)."""
    rule = (
        await store.route(conn, question.community_id, question.route_id)
        if question.route_id is not None
        else None
    )
    if rule is None:
        return []
    if rule.escalate_to:
        ids = [rule.escalate_to]
    elif rule.escalate_role:
        place = CommunityRef(question.platform, question.community)
        holders = await qs.kernel.directory.members_with_roles(place)
        ids = [user for user, role in holders if role.value == rule.escalate_role]
    else:
        return []
    found = [question.member(i) for i in dict.fromkeys(ids)]
    return [m for m in found if await qs.present(m)]


async def may_take_over(qs: Questions, question: Question, member: MemberRef) -> bool:
    """A question claimed by someone else may be taken by its backup once it has gone
    to them, and by whoever its rule escalates to once it has gone to them."""
    if question.escalation >= 1 and question.backup_id == member.id:
        return True
    if question.escalation < 2:
        return False
    async with qs.engine.connect() as conn:
        return member in await targets(qs, conn, question)
