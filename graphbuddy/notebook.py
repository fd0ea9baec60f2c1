"""IPython magics: `%load_ext graphbuddy.notebook`, then

    %graphbuddy_store PATH        # or a variable holding an open GraphBuddy: %graphbuddy_store gb
    %%cypher [-o NAME] [-r NAME] [--store PATH] [-q]
    MATCH (f:Function {project: $project}) RETURN f.name LIMIT 5

    %%sql -o velocity
    SELECT date_trunc('day', ts) AS day, count(*) FROM commits GROUP BY 1 ORDER BY 1

`$name` parameters are taken from notebook variables of that name. The cell shows the result as a table
(a DataFrame); `-o NAME` stores that DataFrame in the notebook, `-r NAME` the `Result` (for `.nx()`,
`.arrow()`), `-q` shows nothing. Both are read-only. The store opens lazily on the first cell: the one set
with `%graphbuddy_store` (a path, or a variable holding a store from `graphbuddy.open()`/`connect()` or a
path), else `--store`, else the default store ($GRAPHBUDDY_HOME or ~/.graphbuddy); through its owner when
one serves it (`graphbuddy.open_shared`), so a running MCP session does not lock the notebook out.
"""
from __future__ import annotations

import shlex

from .queries import parameter_names


def load_ipython_extension(ipython) -> None:
    from IPython.core.magic import Magics, cell_magic, line_magic, magics_class

    @magics_class
    class GraphbuddyMagics(Magics):
        def __init__(self, shell):
            super().__init__(shell)
            self._default = None             # the store of %graphbuddy_store or the default store
            self._by_path: dict[str, object] = {}

        @line_magic
        def graphbuddy_store(self, line: str):
            """%graphbuddy_store PATH | VARIABLE: the store the next cells use (opened on first use). A variable
            holds an open store (`graphbuddy.open()`, `graphbuddy.connect()`) or a path."""
            import os

            from IPython.core.error import UsageError

            target = line.strip()
            if target.isidentifier() and target in self.shell.user_ns:
                value = self.shell.user_ns[target]
                if not (_is_store(value) or isinstance(value, (str, os.PathLike))):
                    raise UsageError(f"%graphbuddy_store: '{target}' holds a {type(value).__name__}, not an open "
                                     "store (graphbuddy.open() or graphbuddy.connect()) or a path")
                self._default = value if _is_store(value) else os.fspath(value)
            else:
                self._default = target or None

        @cell_magic
        def cypher(self, line: str, cell: str):
            """Run read-only Cypher on the graph; `$name` parameters come from notebook variables."""
            return self._run("cypher", line, cell)

        @cell_magic
        def sql(self, line: str, cell: str):
            """Run one read-only SQL SELECT on the DuckDB analytics tables; `$name` from notebook variables."""
            return self._run("sql", line, cell)

        def _store(self, path: str | None):
            import graphbuddy

            target = path or self._default
            if _is_store(target):
                return target
            key = str(target or "")
            if key not in self._by_path:      # through the store owner when one serves the store
                self._by_path[key] = graphbuddy.open_shared(target)
            return self._by_path[key]

        def _run(self, kind: str, line: str, cell: str):
            from IPython.core.error import UsageError

            from .errors import GraphbuddyError

            opts = _parse_options(line)
            names = parameter_names(cell, kind)
            missing = [n for n in names if n not in self.shell.user_ns]
            if missing:
                raise UsageError(f"%%{kind}: no notebook variable for parameter(s) {', '.join('$' + n for n in missing)}")
            params = {n: self.shell.user_ns[n] for n in names}
            try:
                gb = self._store(opts["store"])
                result = gb.cypher(cell, params=params) if kind == "cypher" else gb.sql(cell, params=params)
            except GraphbuddyError as exc:
                raise UsageError(f"%%{kind}: {exc}") from None
            frame = result.df()
            if opts["output"]:
                self.shell.user_ns[opts["output"]] = frame
            if opts["result"]:
                self.shell.user_ns[opts["result"]] = result
            return None if opts["quiet"] else frame

    ipython.register_magics(GraphbuddyMagics)


def _is_store(value) -> bool:
    from .api import GraphBuddy
    from .owner.client import RemoteGraphBuddy

    return isinstance(value, (GraphBuddy, RemoteGraphBuddy))


def _parse_options(line: str) -> dict:
    from IPython.core.error import UsageError

    opts = {"output": None, "result": None, "store": None, "quiet": False}
    words = shlex.split(line)
    flags = {"-o": "output", "--output": "output", "-r": "result", "--result": "result", "--store": "store"}
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("-q", "--quiet"):
            opts["quiet"] = True
        elif w in flags and i + 1 < len(words):
            opts[flags[w]] = words[i + 1]
            i += 1
        else:
            raise UsageError(f"unknown option {w!r}: use -o NAME, -r NAME, --store PATH, -q")
        i += 1
    for key in ("output", "result"):
        if opts[key] and not opts[key].isidentifier():
            raise UsageError(f"-{key[0]} wants a Python variable name, got {opts[key]!r}")
    return opts
