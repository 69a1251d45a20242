"""Homeroom on Slack: slack-bolt's AsyncApp as a translator (see adapter.py)."""

from adapters.slack.adapter import SlackAdapter

__all__ = ["SlackAdapter"]
