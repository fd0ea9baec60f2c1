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
        """A directed graph from two columns (default: the first two), other columns as edge attributes."""
        import networkx as nx

        cols = self.columns
        source = source or cols[0]
        target = target or cols[1]
        g = nx.MultiDiGraph()
        for row in self.rows():
            attrs = {k: v for k, v in row.items() if k not in (source, target)}
            g.add_edge(row[source], row[target], **attrs)
        return g
