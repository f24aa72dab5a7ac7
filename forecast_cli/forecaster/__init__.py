"""Forecasting past the windows a model was trained on: which future steps one call of a model gives
(`plan.py`), and the recursion that feeds forecasts back for longer horizons (`engine.py`). The
predict and backtest commands use them, on raw history or on a split's windows."""
