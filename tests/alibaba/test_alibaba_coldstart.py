"""The ``alibaba`` runtime path stays light (DESIGN §5): checked in a fresh interpreter
that imports the adapter and serves one HTTP-trigger call, as FC's instance would."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from polyfaas.platform import load_samples

NEVER = {
    "werkzeug",
    "importlib.metadata",
    "argparse",
    "asyncio",
    "uuid",
    "polyfaas._native",
    "polyfaas.platform",
}


def modules_after(code: str) -> set[str]:
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_adapter_is_light():
    loaded = modules_after("import polyfaas_alibaba.builtin")
    heavy = NEVER | {"logging", "hashlib"}
    assert not loaded & heavy, sorted(loaded & heavy)
    assert not any(name.startswith("polyfaas_alibaba.emulated") for name in loaded)


def test_the_first_fc_call_is_light():
    event = json.dumps(load_samples("polyfaas_alibaba")["http"]).encode()
    # Without the ``fast`` extra: orjson, when installed, brings its own imports (uuid,
    # datetime, dataclasses…) on the first parse, the price of that opt-in extra.
    loaded = modules_after(
        f"""
        import sys
        sys.modules["orjson"] = None
        import polyfaas
        from polyfaas_alibaba.native_context import (
            Credentials, FCContext, FunctionMeta, ServiceMeta,
        )

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
    assert "polyfaas_alibaba.builtin" in loaded
    assert not loaded & NEVER, sorted(loaded & NEVER)
    assert not any(name.startswith("polyfaas_alibaba.emulated") for name in loaded)
    # the other providers are never imported to place an FC call
    assert not any(name.startswith("polyfaas_yandex") for name in loaded)
