"""The ``alibaba`` runtime path stays light (DESIGN §5): checked in a fresh interpreter
that imports the adapter and serves one HTTP-trigger call, as FC's instance would."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from polyfaas_alibaba import samples

NEVER = {"werkzeug", "importlib.metadata", "argparse", "asyncio", "uuid", "polyfaas._native"}


def modules_after(code: str) -> set[str]:
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_adapter_is_light():
    loaded = modules_after("import polyfaas_alibaba.event")
    heavy = NEVER | {"logging", "hashlib", "polyfaas_alibaba.lifecycle"}
    assert not loaded & heavy, sorted(loaded & heavy)


def test_the_first_fc_call_is_light():
    event = samples.sample_bytes("http")
    loaded = modules_after(
        f"""
        import polyfaas
        from polyfaas_alibaba.context import Credentials, FCContext, FunctionMeta, ServiceMeta

        @polyfaas.http
        def handler(request, context):
            return {{"path": request.path}}

        context = FCContext(
            "1234", "1-64f6cd87-127fbe39cd7681596e33ebad", Credentials("", "", ""),
            FunctionMeta("fn", "index.handler", 128, 3), ServiceMeta("", "", "", "LATEST", "1"),
            "cn-hangzhou",
        )
        result = handler({event!r}, context)
        assert result["statusCode"] == 200, result
        assert result["body"] == '{{"path":"/example"}}', result
        """
    )
    assert "polyfaas_alibaba.event" in loaded
    assert not loaded & NEVER, sorted(loaded & NEVER)
    # the other providers are never imported to place an FC call
    assert not any(name.startswith("polyfaas_yandex") for name in loaded)
