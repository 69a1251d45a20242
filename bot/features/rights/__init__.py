"""Members' data rights and the community's retention: `me export`, `me delete`,
`retention set`, and the retention sweep on the shared timer.

Built on every feature's `Privacy` hooks (reached through `kernel.member_data`); holds
no member data of its own: the retention policies name no one, and a pending deletion
is only a button whose value is a one-way token."""

from __future__ import annotations

from bot.commands import CommandSpec, Option
from bot.directory import Role
from bot.features import Action, Feature
from bot.features.rights import commands, erase, export, retention
from bot.features.rights.tables import retention_policies
from bot.i18n import N_, NP_
from bot.kernel import Kernel
from bot.timers import Timed


def build(kernel: Kernel) -> Feature:
    return Feature(
        name="rights",
        commands=(
            CommandSpec(
                path="me export",
                description=N_("Get everything Homeroom holds about you, as a file"),
                # No member option: each member exports only their own data (nobody,
                # organizers included, may take another's; shared/domain.md).
                handler=export.export,
                keeps_copies=False,
            ),
            CommandSpec(
                path="me delete",
                description=N_("Delete what Homeroom holds about you (asks first)"),
                handler=erase.ask,
                keeps_copies=False,
            ),
            CommandSpec(
                path="retention set",
                description=N_("How long to keep closed questions and discussion messages"),
                options=(
                    Option(
                        NP_("option", "questions"),
                        "days",
                        N_("How long to keep closed questions, 1 to 3650 days, like 365 or 6m"),
                        between=(retention.MIN_DAYS, retention.MAX_DAYS),
                    ),
                    Option(
                        NP_("option", "messages"),
                        "days",
                        N_("How long to keep raw discussion messages, 1 to 3650 days, like 90d"),
                        between=(retention.MIN_DAYS, retention.MAX_DAYS),
                    ),
                ),
                handler=commands.retention_set,
                role=Role.ORGANIZER,
            ),
        ),
        actions={erase.CONFIRM: Action(erase.confirmed), erase.KEEP: Action(erase.kept)},
        tables=(retention_policies,),
        timers={
            retention.KIND: Timed(retention.sweep, N_("the clean-up of old questions and messages"))
        },
    )
