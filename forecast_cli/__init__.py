"""forecast: a command-line experiment runner for time-series forecasting."""

import os

# Set before anything imports TensorFlow. oneDNN's custom CPU kernels, which TensorFlow turns on by itself
# only on CPUs with AVX-512, move figures in their 6th-7th digit from one machine to the next (a run trained
# on one CPU would no longer evaluate to its own metrics on another) and print absl lines on stderr that
# TF_CPP_MIN_LOG_LEVEL does not silence. Setting TF_ENABLE_ONEDNN_OPTS=1 turns them back on.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.4.0.dev0"
