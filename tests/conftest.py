"""Fixtures come from bot.testing (registered as the `homeroom` pytest plugin)."""
