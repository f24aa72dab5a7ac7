"""Forecasting with a trained model: which future steps one call gives (`plan.py`), the recursion that
feeds forecasts back for longer horizons (`engine.py`), a forecast past the end of every series
(`future.py`, `forecast predict`), historical forecasts from every origin of a split (`backtest.py`,
`forecast backtest`), and the forecast of a run's last window (`last_window.py`, `forecast.csv`)."""
