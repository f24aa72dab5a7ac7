"""Rich tables of metrics for the terminal: the scaled metrics and the overall real-unit ones; the
rest (real MAPE, per-column figures) stays in the JSON and CSV files."""

from typing import Any, Dict, List, Sequence

from forecast_cli.evaluation.names import METRICS, SPLIT_METRICS, parse_metric

# no real MAPE: actuals near zero (a temperature in degC) make it huge and say nothing at a glance; the
# naive's own figures stay in the files
SHOWN_METRICS = METRICS + ("real_mae", "real_rmse", "real_smape", "mase", "owa")


def is_metric(name: str) -> bool:
    return parse_metric(name)[0] in METRICS + SPLIT_METRICS


def metrics_table(title: str, rows: List[Dict[str, Any]], key_columns: Sequence[str]):
    """One column per key column, per shown metric present in a row, and per other (non-metric) field."""
    from rich.table import Table

    metric_columns = [m for m in SHOWN_METRICS if any(m in row for row in rows)]
    extra = [k for row in rows for k in row if k not in key_columns and not is_metric(k)]
    extra = list(dict.fromkeys(extra))
    table = Table(title=plain(title))
    for name in key_columns:
        table.add_column(plain(name), style="bold")
    for name in metric_columns:
        table.add_column(plain(name), justify="right")
    for name in extra:
        numeric = all(isinstance(row.get(name), (int, float, type(None))) for row in rows)
        table.add_column(plain(name), justify="right" if numeric else "left")
    for row in rows:
        cells = [str(row.get(k, "")) for k in key_columns]
        cells += [_format(row.get(m)) for m in metric_columns]
        cells += [_format(row.get(k)) for k in extra]
        table.add_row(*(plain(cell) for cell in cells))
    return table


def plain(text: object):
    """A table cell or title shown as the text it is: no Rich markup (`[b]` stays, `[/bold]` cannot
    break the table) and no control characters (log_output.printable)."""
    from rich.text import Text

    from forecast_cli.report.log_output import printable

    return Text(printable(text))


def column_rows(rows: List[Dict[str, Any]], key_columns: Sequence[str]) -> List[Dict[str, Any]]:
    """The per-label-column metrics of each row (`real_mae[OT]`, ...) as one row per row and column."""
    result = []
    for row in rows:
        by_column: Dict[str, Dict[str, Any]] = {}
        for name, value in row.items():
            metric, column = parse_metric(name)
            if column is not None:
                keys = {k: row.get(k) for k in key_columns}
                by_column.setdefault(column, {**keys, "column": column})[metric] = value
        result.extend(by_column.values())
    return result


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
