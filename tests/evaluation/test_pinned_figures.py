"""The metric figures pinned in tests/fixtures/pinned_figures.json (benchmarks/pin_figures.py wrote them) do not
move: every cell reruns its `forecast train` and every pinned key keeps its value (rel 1e-6), null staying null.
Shipped cells run in the default suite; the shared tier (the published experiments at one epoch) only under
`-m slow`, its cells on ../shared/data (FORECAST_SHARED_DATA elsewhere) skipped where that folder is missing."""

import importlib.util
import json
import os
from pathlib import Path

import pytest

from helpers import FIXTURES, ROOT, run_forecast

_spec = importlib.util.spec_from_file_location("pin_figures", ROOT / "benchmarks" / "pin_figures.py")
pin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pin)

PINNED = json.loads((FIXTURES / "pinned_figures.json").read_text())
DATA = Path(os.environ.get("FORECAST_SHARED_DATA") or pin.DEFAULT_DATA)


def cells(tier):
    return [name for name, cell in PINNED.items() if cell["tier"] == tier]


def assert_figures_kept(name, tmp_path):
    cell = PINNED[name]
    if pin.uses_data(cell["overrides"]) and not DATA.is_dir():
        pytest.skip(f"{DATA} (the shared data; FORECAST_SHARED_DATA sets it) is not on this machine")
    metrics = pin.run_cell(cell["overrides"], DATA, tmp_path, name, runner=run_forecast)
    moved = []
    for key, want in cell["metrics"].items():
        if key not in metrics:
            moved.append(f"{key}: missing (pinned {want!r})")
        elif want is None or metrics[key] is None:
            if metrics[key] is not want:
                moved.append(f"{key}: {metrics[key]!r} != pinned {want!r}")
        elif metrics[key] != pytest.approx(want, rel=1e-6, abs=1e-9):
            moved.append(f"{key}: {metrics[key]!r} != pinned {want!r}")
    assert not moved, f"{name}: {len(moved)} of {len(cell['metrics'])} pinned figures moved:\n" + "\n".join(moved)


def test_the_pins_are_the_cells_of_the_script():
    """Every pinned cell ran with the overrides benchmarks/pin_figures.py gives it today (edit CELLS: regenerate)."""
    assert list(PINNED) == [name for name in pin.CELLS if name in PINNED]
    for name, cell in PINNED.items():
        assert (cell["tier"], cell["overrides"]) == (pin.CELLS[name][0], pin.cell_overrides(name)), name
        assert cell["metrics"], name
    assert cells("shipped") and cells("shared")


@pytest.mark.parametrize("name", cells("shipped"))
def test_shipped_figures_are_kept(name, tmp_path):
    assert_figures_kept(name, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", cells("shared"))
def test_shared_figures_are_kept(name, tmp_path):
    assert_figures_kept(name, tmp_path)
