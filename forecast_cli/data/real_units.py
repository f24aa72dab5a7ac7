"""Values a person reads in a CSV: real units (the scaler inverted) to the digits a float32 holds."""


def readable(value: float) -> float:
    """A value of float32 origin (a model's output, a scaled value inverted) to 7 significant digits:
    a float32 holds about 7, the rest is noise of the scaling (417.0000014901161 -> 417.0)."""
    return float(f"{value:.7g}")
