import pytest

from bot.settings import SettingsError, load_settings


def _load(**values: object):  # type: ignore[no-untyped-def]
    return load_settings(None, **values)


def test_defaults_start_the_console_on_sqlite() -> None:
    settings = _load()
    assert settings.console_enabled
    assert settings.database_url.startswith("sqlite+aiosqlite:///")


def test_slack_token_without_its_partner_names_the_missing_variable() -> None:
    """A bot token alone is half of the README's Socket Mode set-up: the app token is
    what is missing (HTTP mode's signing secret is named only as the other way)."""
    with pytest.raises(SettingsError) as problem:
        _load(slack_bot_token="xoxb-1")
    assert str(problem.value).startswith("SLACK_APP_TOKEN is missing: Socket Mode")
    assert "SLACK_MODE=http and SLACK_SIGNING_SECRET" in str(problem.value)
    assert "\n" not in str(problem.value)


def test_http_mode_needs_the_signing_secret() -> None:
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is missing"):
        _load(slack_bot_token="xoxb-1", slack_mode="http")


def test_socket_mode_needs_the_app_token() -> None:
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN is missing"):
        _load(slack_bot_token="xoxb-1", slack_mode="socket")


def test_a_signing_secret_alone_asks_for_the_bot_token() -> None:
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN is missing"):
        _load(slack_signing_secret="s")


def test_complete_slack_settings_turn_the_console_off() -> None:
    settings = _load(slack_bot_token="xoxb-1", slack_app_token="xapp-1")
    assert settings.slack_mode == "socket"
    assert not settings.console_enabled


def test_discord_url_without_token() -> None:
    with pytest.raises(SettingsError, match="DISCORD_TOKEN is missing"):
        _load(discord_api_url="http://127.0.0.1:9/api")


def test_unknown_time_zone_is_one_readable_line() -> None:
    with pytest.raises(SettingsError) as problem:
        _load(default_timezone="Mars/Olympus")
    assert str(problem.value).startswith("Setting DEFAULT_TIMEZONE is not valid")


def test_database_urls_get_their_async_driver() -> None:
    assert _load(database_url="postgresql://u@h/db").database_url == "postgresql+asyncpg://u@h/db"
    assert _load(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        _load(database_url="mysql://h/db")


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", "es")
    assert _load().default_language == "es"


@pytest.mark.parametrize("secret", ["xoxb-123-456", "xapp-1-A1", "8f74 2231b10e", "abc def"])
def test_a_token_or_spaces_in_the_signing_secret_is_named(secret: str) -> None:
    with pytest.raises(SettingsError) as problem:
        _load(slack_bot_token="xoxb-1", slack_signing_secret=secret)
    assert str(problem.value) == (
        "SLACK_SIGNING_SECRET does not look like a signing secret (no spaces, not a token): "
        "copy the Signing Secret from your Slack app's Basic Information page."
    )


def test_a_blank_signing_secret_is_missing() -> None:
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is missing"):
        _load(slack_bot_token="xoxb-1", slack_signing_secret="   ", slack_mode="http")


@pytest.mark.parametrize("port", ["abc", "0", "70000", "-1", "3000.5"])
def test_a_port_that_is_no_port_is_named_plainly(port: str) -> None:
    with pytest.raises(SettingsError) as problem:
        _load(slack_bot_token="xoxb-1", slack_signing_secret="s", slack_http_port=port)
    assert str(problem.value) == (
        f"Setting SLACK_HTTP_PORT is not valid: {port} is not a port; use a number from 1 to "
        "65535, such as 3000."
    )
