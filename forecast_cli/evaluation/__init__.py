"""Scoring forecasts: every metric defined once (names.py, point.py, seasonal.py), summed per series over
batches of windows (by_series.py), and one scorer for every run, one series or ten thousand (score.py)."""
