"""The console community: try Homeroom in a terminal with no account."""

from adapters.console.adapter import ConsoleAdapter

__all__ = ["ConsoleAdapter"]
