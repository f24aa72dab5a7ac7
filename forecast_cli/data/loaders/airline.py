"""The monthly international airline passengers, 1949-01 to 1960-12 (Box & Jenkins series G,
public domain), with the airline article's protocol: the last 12 months are the test split, MinMax(-1, 1)
scaling fit on the training months, 12-month windows (see conf/data/airline.yaml)."""

from dataclasses import dataclass

from forecast_cli.data.loaders import DATA
from forecast_cli.data.loaders.base import DataConfig
from forecast_cli.data.series import SPLIT_BY_TIME, SeriesData
from forecast_cli.run.provenance import sha256_bytes

# thousands of passengers per month, January 1949 first
PASSENGERS = (
    112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118,
    115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,
    145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166,
    171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194,
    196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201,
    204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229,
    242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278,
    284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306,
    315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336,
    340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337,
    360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405,
    417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432,
)


@dataclass
class AirlineDataConfig(DataConfig):
    """Its values: conf/data/airline.yaml."""


@DATA.register("airline", AirlineDataConfig)
def load_airline(cfg: AirlineDataConfig, window_rows: int) -> SeriesData:
    import numpy as np
    import pandas as pd

    values = np.asarray(PASSENGERS, dtype=np.float64)[:, None]
    months = pd.date_range("1949-01-01", periods=len(PASSENGERS), freq="MS").to_numpy(dtype="datetime64[ns]")
    return SeriesData(
        segments=[values],
        columns=["passengers"],
        targets=["passengers"],
        split_by=SPLIT_BY_TIME,
        source="airline passengers 1949-1960 (Box & Jenkins series G, in the package)",
        sha256=sha256_bytes(values.tobytes()),
        timestamps=[months],
        ids=["airline"],
    )
