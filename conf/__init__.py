"""Hydra configuration tree of forecast (installed as package data)."""
