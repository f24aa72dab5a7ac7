"""Rich tables of metrics for the terminal."""

from typing import Any, Dict, List, Sequence

from forecast_cli.metrics import METRICS


def metrics_table(title: str, rows: List[Dict[str, Any]], key_columns: Sequence[str]):
    from rich.table import Table

    metric_columns = [m for m in METRICS if any(m in row for row in rows)]
    extra = [k for row in rows for k in row if k not in key_columns and k not in metric_columns]
    extra = list(dict.fromkeys(extra))
    table = Table(title=title)
    for name in key_columns:
        table.add_column(name, style="bold")
    for name in metric_columns:
        table.add_column(name, justify="right")
    for name in extra:
        table.add_column(name)
    for row in rows:
        cells = [str(row.get(k, "")) for k in key_columns]
        cells += [_format(row.get(m)) for m in metric_columns]
        cells += [_format(row.get(k)) for k in extra]
        table.add_row(*cells)
    return table


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


def print_table(table) -> None:
    import sys

    from rich.console import Console

    Console(width=None if sys.stdout.isatty() else 160).print(table)
