"""The pytest plugin, driven through pytester as a user's project would use it."""

from __future__ import annotations

import sys
import textwrap

import pytest

pytest_plugins = ["pytester"]

HANDLER = textwrap.dedent(
    """
    import polyfaas

    @polyfaas.http
    def handler(request, context):
        return {"provider": context.provider, "name": request.query.get("name", "world")}

    @polyfaas.event
    def on_event(event, context):
        return {"type": event.type, "data": event.data}
    """
)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(main=HANDLER)
    return pytester


def test_user_project_runs_on_yandex(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_main="""
        def test_hello(polyfaas_client, polyfaas_provider):
            client = polyfaas_client("main:handler")
            response = client.get("/?name=Ada")
            assert response.status_code == 200
            assert response.json == {"provider": polyfaas_provider, "name": "Ada"}
        """
    )
    result = project.runpytest_subprocess("--polyfaas-provider", "yandex", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_hello?yandex? PASSED*"])


def test_every_provider_with_all(project: pytest.Pytester) -> None:
    from polyfaas import providers

    project.makepyfile(
        test_main="""
        def test_provider_name(polyfaas_provider):
            assert polyfaas_provider
        """
    )
    result = project.runpytest("--polyfaas-provider", "all")
    result.assert_outcomes(passed=len(providers.names()))


def test_list_and_environment_default(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_main="""
        def test_seen(polyfaas_provider):
            print("PROVIDER", polyfaas_provider)
        """
    )
    result = project.runpytest("--polyfaas-provider", "local,yandex", "-s")
    result.assert_outcomes(passed=2)
    monkeypatch.setenv("POLYFAAS_PROVIDER", "yandex-gateway")
    result = project.runpytest("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PROVIDER yandex-gateway*"])


def test_marker_limits_providers(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_main="""
        import pytest

        @pytest.mark.polyfaas_providers("yandex")
        def test_only_yandex(polyfaas_provider):
            assert polyfaas_provider == "yandex"
        """
    )
    result = project.runpytest("--polyfaas-provider", "local,yandex", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*limited to providers yandex*"])


def test_invoke_fixture_and_ini_target(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The inner run is in this process: a ``main`` module another test imported from
    # its own folder must not stand in for this project's (restored afterwards).
    monkeypatch.delitem(sys.modules, "main", raising=False)
    project.makeini("[pytest]\npolyfaas_target = main:on_event\n")
    project.makepyfile(
        test_main="""
        def test_event(polyfaas_invoke):
            response = polyfaas_invoke(event={"key": "value"})
            assert response.status == 200
            assert response.json()["data"] == {"key": "value"}
        """
    )
    result = project.runpytest("--polyfaas-provider", "local")
    result.assert_outcomes(passed=1)


def test_missing_target_fails_clearly(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_main="""
        def test_no_target(polyfaas_client):
            polyfaas_client()
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*give polyfaas_client/polyfaas_invoke a target*"])


def test_plugin_import_is_light(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_light="""
        import sys

        def test_nothing_heavy():
            assert "polyfaas.testing" not in sys.modules
            assert "werkzeug" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
