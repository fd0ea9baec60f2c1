"""`graphbuddy` command line: parse arguments, call the library, print. `--json` on every command.

Each domain module (`code`, ...) has `register(sub)` adding its sub-commands and returning
`{command name: handler}`. Errors become one line on stderr and a non-zero exit code; nothing heavy is
imported before a command runs.
"""
from __future__ import annotations

import argparse
import logging
import sys

from ..errors import GraphbuddyError

# Domain modules, in the order their commands appear in --help.
DOMAINS = ("code", "search", "projects", "memory", "analytics", "server")


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    import importlib

    parser = argparse.ArgumentParser(prog="graphbuddy", description="Local code graph and memory for coding agents.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands: dict = {}
    for domain in DOMAINS:
        commands.update(importlib.import_module(f".{domain}", __name__).register(sub))
    return parser, commands


def main(argv: list[str] | None = None) -> int:
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s",
                        stream=sys.stderr)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return commands[args.command](args)
    except GraphbuddyError as exc:
        print(f"graphbuddy: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("graphbuddy: interrupted (the store keeps its last committed state)", file=sys.stderr)
        return 130
