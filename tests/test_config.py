from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from tests.helpers import run_bot_cli


def test_empty_values_mean_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEV_GUILD_ID", "")
    monkeypatch.setenv("DISCORD_TOKEN", "")
    settings = load_settings()
    assert settings.dev_guild_id is None and settings.discord_token is None
    assert str(settings.database_path) == "kindling.db"


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEV_GUILD_ID", "abc"), ("LOG_LEVEL", "LOUD"), ("DISCORD_API_BASE", "localhost:80")],
)
def test_invalid_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings()


def test_run_without_token_exits_with_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_PATH": str(tmp_path / "k.db")}
    result = run_bot_cli(tmp_path, env)
    assert result.returncode != 0
    assert "DISCORD_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_with_bad_setting_exits_naming_it(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "LOG_LEVEL": "LOUD"}
    result = run_bot_cli(tmp_path, env)
    assert result.returncode != 0 and "LOG_LEVEL" in result.stderr
    assert "Traceback" not in result.stderr


def test_env_example_names_every_setting_and_loads() -> None:
    from pathlib import Path

    from bot.config import Settings

    example = Path(__file__).resolve().parent.parent / ".env.example"
    Settings(_env_file=example)  # type: ignore[call-arg]  # every value in it is valid
    text = example.read_text(encoding="utf-8")
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in text]
    assert not missing, f".env.example does not mention {missing}"


@pytest.mark.parametrize(
    ("count", "ids", "expected"),
    [
        ("4", "0-1", (0, 1)),
        ("8", "0-2,5", (0, 1, 2, 5)),
        ("4096", "4095", (4095,)),
    ],
)
def test_shard_ids_are_read_as_ranges(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, count: str, ids: str, expected: tuple[int, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHARD_COUNT", count)
    monkeypatch.setenv("SHARD_IDS", ids)
    assert load_settings().shard_id_list == expected


@pytest.mark.parametrize(
    "ids", ["0-99999999999", "99999999999", "4096", "0-4096", "2-1", "a-b", "0--1", ""]
)
def test_bad_shard_ids_are_refused_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ids: str
) -> None:
    """Refused with one line naming the setting, without expanding a huge range first (the
    first case used to fill the memory before any check)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHARD_COUNT", "4096")
    monkeypatch.setenv("SHARD_IDS", ids or ",")
    with pytest.raises(SettingsError, match="SHARD_IDS"):
        load_settings()
