"""The history chart: epochs on the x axis, a log axis only for losses spanning more than 100x."""

import pytest

from forecast_cli.report import plots


@pytest.fixture
def drawn(monkeypatch):
    """The figures plot_history would save, kept open for inspection."""
    figures = []
    monkeypatch.setattr(plots, "_save", lambda figure, path: figures.append(figure))
    yield figures
    for figure in figures:
        plots._pyplot().close(figure)


def rows(losses, val_losses):
    return [{"epoch": e + 1, "loss": a, "val_loss": b} for e, (a, b) in enumerate(zip(losses, val_losses))]


def test_history_plots_both_losses_per_epoch_on_a_linear_axis(drawn, tmp_path):
    plots.plot_history(rows([1.0, 0.5, 0.2], [1.2, 0.6, 0.3]), tmp_path / "history.png")
    (axis,) = drawn[0].axes
    assert [list(line.get_xdata()) for line in axis.lines] == [[1, 2, 3], [1, 2, 3]]
    assert list(axis.lines[1].get_ydata()) == [1.2, 0.6, 0.3]
    assert [t.get_text() for t in axis.get_legend().get_texts()] == ["Training", "Validation"]
    assert axis.get_yscale() == "linear"


def test_history_turns_to_a_log_axis_beyond_a_100x_range(drawn, tmp_path):
    plots.plot_history(rows([50.0, 1.0, 0.4], [60.0, 2.0, 0.6]), tmp_path / "history.png")
    assert drawn[0].axes[0].get_yscale() == "log"


def test_history_png_is_written_atomically(tmp_path):
    path = tmp_path / "history.png"
    plots.plot_history(rows([1.0], [2.0]), path)
    assert path.read_bytes().startswith(b"\x89PNG") and not list(tmp_path.glob(".*.tmp"))
