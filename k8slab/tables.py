"""`kubectl get`-style tables, computed by the API server itself (the Table format)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


@dataclass
class Table:
    """Rows and columns as `kubectl get` prints them; renders as text and as HTML."""

    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    title: str = ""

    def __str__(self) -> str:
        if not self.rows:
            return f"No resources found{(' (' + self.title + ')') if self.title else ''}."
        cells = [self.columns, *self.rows]
        widths = [max(len(str(r[i])) for r in cells) for i in range(len(self.columns))]
        lines = ["   ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
                 for r in cells]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        if not self.rows:
            return f"<p><em>{html.escape(str(self))}</em></p>"
        head = "".join(f"<th style='text-align:left'>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(v))}</td>"
                                        for v in row) + "</tr>" for row in self.rows)
        return (f"<table class='k8slab-table'><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>")

    def column(self, name: str) -> list[str]:
        """The values of one column, e.g. `table.column("NAME")`."""
        index = self.columns.index(name.upper())
        return [row[index] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


def from_server(data: dict, wide: bool = False, namespace_column: bool = False) -> Table:
    """Build a Table from the API server's meta.k8s.io/v1 Table response."""
    defs = data.get("columnDefinitions") or []
    keep = [i for i, d in enumerate(defs) if wide or not d.get("priority")]
    columns = [defs[i]["name"].upper() for i in keep]
    rows = []
    for row in data.get("rows") or []:
        cells = row.get("cells") or []
        values = [_cell(cells[i]) if i < len(cells) else "" for i in keep]
        if namespace_column:
            meta = (row.get("object") or {}).get("metadata") or {}
            values.insert(0, meta.get("namespace", ""))
        rows.append(values)
    if namespace_column:
        columns.insert(0, "NAMESPACE")
    return Table(columns, rows)


def _cell(value) -> str:
    if value is None:
        return "<none>"
    if isinstance(value, list):
        return ",".join(map(str, value)) or "<none>"
    return str(value)
