"""Query results: one Arrow table, viewed as rows, a DataFrame or a networkx graph."""
from __future__ import annotations


class Result:
    def __init__(self, table, *, truncated: bool = False):
        self._table = table
        self.truncated = truncated      # True when a row bound cut the result

    @classmethod
    def bounded(cls, table, max_rows: int | None) -> "Result":
        """`table` holds up to `max_rows + 1` rows (see GraphStore.read_only): keep `max_rows`, note the cut."""
        if max_rows is not None and table.num_rows > max_rows:
            return cls(table.slice(0, max_rows), truncated=True)
        return cls(table)

    def arrow(self):
        return self._table

    def df(self):
        return self._table.to_pandas()

    def rows(self) -> list[dict]:
        return self._table.to_pylist()

    @property
    def columns(self) -> list[str]:
        return self._table.column_names

    def __len__(self) -> int:
        return self._table.num_rows

    def nx(self, source: str | None = None, target: str | None = None):
        """A directed graph from two columns (default: the first two), other columns as edge attributes. A row
        with one end null (an OPTIONAL MATCH that found nothing) adds the other end as a node."""
        import networkx as nx

        from .errors import InvalidArgument

        cols = self.columns
        if len(cols) < 2 and not (source and target):
            raise InvalidArgument(f"nx() needs two columns (source and target); this result has "
                                  f"{', '.join(cols) or 'none'}")
        source = source or cols[0]
        target = target or cols[1]
        for name in (source, target):
            if name not in cols:
                raise InvalidArgument(f"nx(): no column '{name}'; this result has {', '.join(cols)}")
        g = nx.MultiDiGraph()
        for row in self.rows():
            a, b = row[source], row[target]
            if a is None or b is None:
                g.add_nodes_from(x for x in (a, b) if x is not None)
                continue
            g.add_edge(a, b, **{k: v for k, v in row.items() if k not in (source, target)})
        return g
