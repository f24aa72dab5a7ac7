"""The index-based window pipeline against the tutorial's WindowGenerator semantics."""

import numpy as np
import pytest

from forecast_cli.data.pipeline import make_dataset
from forecast_cli.data.window import resolve_window, window_starts

from helpers import window_config


def naive_windows(values, input_width, label_width, shift, label_idx):
    """The tutorial's split_window, on every window materialized with plain slicing."""
    total = input_width + shift
    inputs, labels = [], []
    for start in range(len(values) - total + 1):
        window = values[start : start + total]
        inputs.append(window[:input_width])
        labels.append(window[total - label_width :][:, label_idx])
    return np.array(inputs), np.array(labels)


@pytest.mark.parametrize("input_width, label_width, shift", [(6, 1, 1), (24, 1, 24), (24, 24, 1), (3, 2, 4)])
def test_windows_match_the_tutorial(input_width, label_width, shift):
    values = np.arange(60 * 3, dtype=np.float32).reshape(60, 3)
    spec = resolve_window(window_config(input_width, label_width, shift, ["c"]), ["a", "b", "c"], ["c"])
    starts = window_starts([60], spec.total_width)
    batches = list(make_dataset(values, starts, spec, batch_size=7, shuffle=False, seed=0))
    inputs = np.concatenate([b[0].numpy() for b in batches])
    labels = np.concatenate([b[1].numpy() for b in batches])
    expected_inputs, expected_labels = naive_windows(values, input_width, label_width, shift, [2])
    np.testing.assert_array_equal(inputs, expected_inputs)
    np.testing.assert_array_equal(labels, expected_labels)
    assert len(batches[-1][0]) == len(starts) % 7 or len(starts) % 7 == 0  # the short last batch is kept


def test_windows_never_cross_series_boundaries():
    starts = window_starts([5, 2, 6], total_width=3)
    np.testing.assert_array_equal(starts, [0, 1, 2, 7, 8, 9, 10])


def test_only_training_windows_are_shuffled_and_none_is_lost():
    values = np.arange(100, dtype=np.float32)[:, None]
    spec = resolve_window(window_config(4, 1, 1), ["x"], ["x"])
    starts = window_starts([100], spec.total_width)
    ordered = np.concatenate([b[0].numpy()[:, 0, 0] for b in make_dataset(values, starts, spec, 8, False, 0)])
    shuffled = np.concatenate([b[0].numpy()[:, 0, 0] for b in make_dataset(values, starts, spec, 8, True, 0)])
    np.testing.assert_array_equal(ordered, starts)
    assert not np.array_equal(shuffled, ordered)
    np.testing.assert_array_equal(np.sort(shuffled), ordered)


def test_input_columns_subset_and_label_positions():
    spec = resolve_window(window_config(4, 2, 2, label_columns=["b"], input_columns=["c", "b"]), ["a", "b", "c"], ["a"])
    assert spec.input_indices == [2, 1] and spec.label_indices == [1]
    assert spec.label_positions_in_inputs == [1]
    values = np.arange(30, dtype=np.float32).reshape(10, 3)
    inputs, labels = next(iter(make_dataset(values, window_starts([10], 6), spec, 2, False, 0)))
    np.testing.assert_array_equal(inputs.numpy()[0], values[:4][:, [2, 1]])
    np.testing.assert_array_equal(labels.numpy()[0], values[4:6][:, [1]])


def test_steps_ahead_matches_hands_on_mls_sequence_targets():
    """The book's Y[..., k - 1] = series[..., k:k + n_steps] for k = 1..10, from a 60-step series."""
    n_steps, ahead = 50, 10
    series = np.random.default_rng(0).standard_normal((3, n_steps + ahead)).astype(np.float32)
    expected = np.stack([series[:, k : k + n_steps] for k in range(1, ahead + 1)], axis=-1)
    spec = resolve_window(window_config(n_steps, n_steps, 1, steps_ahead=ahead), ["x"], ["x"])
    assert spec.total_width == n_steps + ahead
    values = series.reshape(-1, 1)
    starts = window_starts([n_steps + ahead] * 3, spec.total_width)
    inputs, labels = next(iter(make_dataset(values, starts, spec, 8, False, 0)))
    np.testing.assert_array_equal(inputs.numpy()[..., 0], series[:, :n_steps])
    np.testing.assert_array_equal(labels.numpy(), expected)


def test_a_window_config_saved_without_steps_ahead_means_one_step():
    from omegaconf import OmegaConf

    from forecast_cli.data.window import total_window

    saved = OmegaConf.create({"input_width": 6, "label_width": 2, "shift": 2, "label_columns": None, "input_columns": None})
    assert total_window(saved) == 8 and resolve_window(saved, ["x"], ["x"]).steps_ahead == 1
