"""The ``polyfaas`` command line (argparse: every dependency ships in every user's
deployment zip, so the CLI adds none)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from polyfaas import __version__, providers
from polyfaas.errors import PolyfaasError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="polyfaas",
        description="Write a Python serverless function once; run it anywhere.",
    )
    parser.add_argument("--version", action="version", version=f"polyfaas {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("providers", help="list the providers and what each imitates")
    return parser


def cmd_providers() -> int:
    for name in providers.names():
        spec = providers.spec(name)
        print(f"{name:<16} {spec.summary}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "providers":
            return cmd_providers()
    except PolyfaasError as exc:
        print(f"polyfaas: {exc}", file=sys.stderr)
        return 2
    parser.print_help()
    return 2
