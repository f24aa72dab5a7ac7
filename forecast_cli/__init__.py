"""forecast: a command-line experiment runner for time-series forecasting."""

__version__ = "0.4.0.dev0"
