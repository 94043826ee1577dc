"""A platform's own settings of a function (``PlatformHalf.settings``): offered as
``--NAME`` by ``polyfaas run``/``invoke`` for that provider only, carried in
``FunctionConfig.settings``, and refused when the platform has no such setting."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from polyfaas import cli, providers
from polyfaas.errors import PolyfaasError
from polyfaas.platform import FunctionConfig, PlatformHalf, Setting
from polyfaas.runner.app import Dispatcher
from polyfaas.testing import InProcessInstance

SETTINGS = (
    Setting("greeting", "what the platform says first", metavar="TEXT"),
    Setting("loud", "whether it shouts", flag=True),
    Setting("tone", "how it says it", choices=("dry", "warm")),
)


@pytest.fixture
def local_with_settings(monkeypatch: pytest.MonkeyPatch) -> PlatformHalf:
    platform = providers.platform_half("local")

    def settings(self: PlatformHalf) -> Sequence[Setting]:
        return SETTINGS

    monkeypatch.setattr(type(platform), "settings", settings)
    return platform


def test_the_chosen_providers_settings_become_options(local_with_settings: PlatformHalf) -> None:
    argv = ["invoke", "--provider", "local", "--greeting", "hi", "--loud", "main.handler"]
    args = cli.build_parser(argv).parse_args(argv)
    config = cli.function_config(args, "main.handler")
    assert config.settings == {"greeting": "hi", "loud": "true"}
    assert config.setting("tone", "dry") == "dry"


def test_settings_are_listed_under_the_providers_help(
    local_with_settings: PlatformHalf, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["run", "--provider", "local", "--help"])
    out = capsys.readouterr().out
    assert "settings of provider local" in out
    assert "--greeting TEXT" in out
    assert "--tone {dry,warm}" in out


def test_another_providers_settings_are_not_options(
    local_with_settings: PlatformHalf, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["invoke", "--provider", "alibaba", "--greeting=hi", "main.handler"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --greeting=hi" in capsys.readouterr().err


def test_an_unknown_setting_is_refused_naming_the_known_ones(
    local_with_settings: PlatformHalf,
) -> None:
    config = FunctionConfig(settings={"greting": "hi"})
    with pytest.raises(PolyfaasError, match=r"no setting 'greting'.*greeting, loud, tone"):
        Dispatcher(local_with_settings, InProcessInstance(lambda e, c: None), config)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [("loud", "yes", "true, false"), ("tone", "cold", "dry, warm")],
)
def test_a_value_the_setting_does_not_take_is_refused(
    local_with_settings: PlatformHalf, name: str, value: str, message: str
) -> None:
    with pytest.raises(PolyfaasError, match=message):
        local_with_settings.check_settings(FunctionConfig(settings={name: value}))


def test_a_platform_without_settings_refuses_any() -> None:
    with pytest.raises(PolyfaasError, match="it has: none"):
        providers.platform_half("local").check_settings(FunctionConfig(settings={"x": "1"}))
