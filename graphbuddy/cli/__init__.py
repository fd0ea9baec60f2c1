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
DOMAINS = ("code", "search", "projects", "memory", "analytics", "server", "store")


def build_parser(only: str | None = None) -> tuple[argparse.ArgumentParser, dict]:
    """The parser and {command: handler}. `only`: build that command's sub-parser alone (building all of
    them costs 10-30 ms of every CLI run, mostly argparse's gettext lookups); the full parser when `only`
    names no command, so errors and --help list every command."""
    import importlib

    parser = _Parser(prog="graphbuddy", description="Local code graph and memory for coding agents.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    target = sub if only is None else _OneCommand(sub, only)
    commands: dict = {}
    for domain in DOMAINS:
        commands.update(importlib.import_module(f".{domain}", __name__).register(target))
    if only is not None and only not in commands:
        return build_parser()
    return parser, commands


class _Parser(argparse.ArgumentParser):
    """Bad arguments are one line too (argparse prints the whole usage first); sub-parsers share the class."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _OneCommand:
    """Stands in for the sub-parsers action: adds the sub-parser of one command, ignores the others."""

    def __init__(self, sub, name: str):
        self._sub, self._name = sub, name

    def add_parser(self, name: str, **kwargs):
        return self._sub.add_parser(name, **kwargs) if name == self._name else _Ignored()


class _Ignored:
    """A sub-parser nobody will use: every call (add_argument, add_subparsers, ...) is accepted and dropped."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: self


def _command_of(argv: list[str]) -> str | None:
    """The command word when only -v/--verbose precede it (anything else gets the full parser)."""
    for arg in argv:
        if arg not in ("-v", "--verbose"):
            return None if arg.startswith("-") else arg
    return None


INTERNAL_ERROR = 70      # sysexits EX_SOFTWARE
BROKEN_PIPE = 141        # 128 + SIGPIPE: what a C tool killed by a closed pipe reports, silently
TERMINATED = 143         # 128 + SIGTERM
# Commands that keep SIGTERM's default: the owner handles it itself, the stdio MCP proxy holds no store.
_OWN_SIGTERM = ("serve", "mcp")


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be: what is open is rolled back or committed and the stores are
    closed. Killed outright, a process leaves Kùzu its write-ahead log to replay, and Kùzu 0.11.3's replay of
    a committed DETACH DELETE keeps the edges into the deleted nodes (counted, returned by queries not
    reading the far end)."""


def _raise_terminated(signum, frame):
    raise Terminated()


def _stop_on_sigterm():
    """Turn SIGTERM into `Terminated` in the main thread; returns the previous handler (None: not changed)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):     # a terminal that cannot show a name gets it escaped, not a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser, commands = build_parser(_command_of(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s",
                        stream=sys.stderr)
    if not args.command:
        parser.print_help()
        return 2
    previous = None if args.command in _OWN_SIGTERM else _stop_on_sigterm()
    try:
        return _run(commands[args.command], args)
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)


def _run(command, args) -> int:
    try:
        try:
            code = command(args)
            sys.stdout.flush()      # a reader gone away (`| head -1`) shows here, not in Python's exit flush
            return code
        except BrokenPipeError:
            if not _stdout_gone():  # another pipe (a subprocess, a socket): a real error
                raise
            return BROKEN_PIPE
    except GraphbuddyError as exc:
        print(f"graphbuddy: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"graphbuddy: {what} (the store keeps its last committed state)", file=sys.stderr)
        return TERMINATED if isinstance(exc, Terminated) else 130
    except Exception as exc:        # a bug: one line (the traceback with -v), never a wall of text
        if args.verbose:
            import traceback

            traceback.print_exc()
        detail = str(exc).strip().splitlines()
        print(f"graphbuddy: internal error: {type(exc).__name__}{': ' + detail[0] if detail else ''} "
              f"(a bug: please report it{'' if args.verbose else '; -v shows the traceback'})", file=sys.stderr)
        return INTERNAL_ERROR


def _stdout_gone() -> bool:
    """True when stdout is a pipe whose reader has gone; stdout then points at /dev/null, so what is still
    buffered for it cannot fail again when Python flushes it at exit ('Exception ignored ... BrokenPipeError')."""
    import os
    import select

    try:
        fd = sys.stdout.fileno()
        poll = select.poll()
        poll.register(fd, select.POLLOUT)
        if not any(events & select.POLLERR for _, events in poll.poll(0)):
            return False
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):     # no real stdout (a test harness replaced it)
        return False
    return True
