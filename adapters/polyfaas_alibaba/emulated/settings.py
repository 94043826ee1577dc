"""The settings of an FC function that a deploy makes and the emulation honours
(``polyfaas run --provider alibaba --help`` lists them; the test kit takes them as
``FunctionConfig(settings={...})``). The FC 3.0 names: ``instanceLifecycleConfig``'s
``initializer``/``preStop`` hooks (each a handler and a timeout), and the custom domain
an HTTP trigger may sit behind. Sources in ``ASSUMPTIONS.md``."""

from __future__ import annotations

from polyfaas.platform import Setting

CUSTOM_DOMAIN = Setting(
    "custom-domain",
    "answer as behind a custom domain: without the Content-Disposition: attachment FC "
    "adds to HTTP-trigger answers on its default *.fcapp.run domain",
    flag=True,
)
INITIALIZER = Setting(
    "initializer",
    "the Initializer hook, run once per instance before its first call (file.function; "
    "on a custom runtime any value: FC then posts /initialize)",
    metavar="HANDLER",
)
INITIALIZER_TIMEOUT = Setting(
    "initializer-timeout", "seconds the Initializer hook may run (default 60)", metavar="SECONDS"
)
PRE_STOP = Setting(
    "pre-stop",
    "the PreStop hook, run when an instance is retired or the runner stops (file.function; "
    "on a custom runtime FC posts /pre-stop)",
    metavar="HANDLER",
)
PRE_STOP_TIMEOUT = Setting(
    "pre-stop-timeout", "seconds the PreStop hook may run (default 3)", metavar="SECONDS"
)
PRE_FREEZE = Setting(
    "pre-freeze",
    "the PreFreeze hook, run after each call before the instance is frozen "
    "(file.function; on a custom runtime FC posts /pre-freeze)",
    metavar="HANDLER",
)
PRE_FREEZE_TIMEOUT = Setting(
    "pre-freeze-timeout", "seconds the PreFreeze hook may run (default 3)", metavar="SECONDS"
)

#: Every FC setting, in the order ``--help`` lists them.
FC_SETTINGS: tuple[Setting, ...] = (
    CUSTOM_DOMAIN,
    INITIALIZER,
    INITIALIZER_TIMEOUT,
    PRE_STOP,
    PRE_STOP_TIMEOUT,
    PRE_FREEZE,
    PRE_FREEZE_TIMEOUT,
)
