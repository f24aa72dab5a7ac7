"""The Jena loader: download from a real HTTP server on 127.0.0.1 (good, wrong checksum, truncated,
unreachable) and the tutorial's preprocessing checked against an independent computation."""

import hashlib
import http.server
import threading
import zipfile

import numpy as np
import pandas as pd
import pytest

from forecast_cli.data.loaders.jena import load_jena
from forecast_cli.errors import ForecastError

from helpers import JENA_COLUMNS, data_config, jena_raw_frame


def expected_features(raw):
    """The tutorial's steps, written out independently of the loader."""
    hourly = raw.iloc[5::6].reset_index(drop=True)
    seconds = np.array([pd.Timestamp(d).timestamp() for d in pd.to_datetime(hourly["Date Time"], dayfirst=True)])
    wv = hourly["wv (m/s)"].where(hourly["wv (m/s)"] != -9999.0, 0.0).to_numpy()
    max_wv = hourly["max. wv (m/s)"].where(hourly["max. wv (m/s)"] != -9999.0, 0.0).to_numpy()
    rad = np.deg2rad(hourly["wd (deg)"].to_numpy())
    day, year = 86400.0, 365.2425 * 86400.0
    extra = [wv * np.cos(rad), wv * np.sin(rad), max_wv * np.cos(rad), max_wv * np.sin(rad),
             np.sin(seconds * 2 * np.pi / day), np.cos(seconds * 2 * np.pi / day),
             np.sin(seconds * 2 * np.pi / year), np.cos(seconds * 2 * np.pi / year)]
    return np.column_stack([hourly[JENA_COLUMNS[:11]].to_numpy(), *extra])


@pytest.fixture
def zip_bytes(tmp_path):
    csv_path = tmp_path / "jena_climate_2009_2016.csv"
    jena_raw_frame().to_csv(csv_path, index=False)
    zip_path = tmp_path / "source.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.write(csv_path, csv_path.name)
    return zip_path.read_bytes()


@pytest.fixture
def server(zip_bytes):
    """Serves /good.zip, and /truncated.zip that announces the full length but sends half."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = zip_bytes if self.path == "/good.zip" else zip_bytes[: len(zip_bytes) // 2]
            self.send_response(200)
            self.send_header("Content-Length", str(len(zip_bytes)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_verifies_caches_and_preprocesses(server, zip_bytes, tmp_path):
    cache = tmp_path / "cache"
    cfg = data_config("jena", url=f"{server}/good.zip", sha256=hashlib.sha256(zip_bytes).hexdigest(), cache_dir=str(cache))
    data = load_jena(cfg, window_rows=2)
    assert [p.name for p in cache.iterdir()] == ["good.zip"]
    assert len(data.columns) == 19 and data.columns[-4:] == ["Day sin", "Day cos", "Year sin", "Year cos"]
    np.testing.assert_allclose(data.segments[0], expected_features(jena_raw_frame()), rtol=1e-9, atol=1e-9)
    offline = data_config("jena", url="http://127.0.0.1:9/good.zip", sha256=cfg.sha256, cache_dir=str(cache))
    np.testing.assert_array_equal(load_jena(offline, 2).segments[0], data.segments[0])  # served from the cache


def test_wrong_checksum_leaves_nothing_in_the_cache(server, tmp_path):
    cache = tmp_path / "cache"
    cfg = data_config("jena", url=f"{server}/good.zip", sha256="0" * 64, cache_dir=str(cache))
    with pytest.raises(ForecastError, match="not the pinned"):
        load_jena(cfg, 2)
    assert list(cache.iterdir()) == []


def test_truncated_transfer_leaves_nothing_in_the_cache(server, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(ForecastError, match="cut short"):
        load_jena(data_config("jena", url=f"{server}/truncated.zip", cache_dir=str(cache)), 2)
    assert list(cache.iterdir()) == []


def test_offline_without_cache_names_data_path(tmp_path):
    cfg = data_config("jena", url="http://127.0.0.1:9/jena.zip", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(ForecastError, match="data.path=") as error:
        load_jena(cfg, 2)
    assert "\n" not in str(error.value)


def test_raw_csv_and_hourly_csv_give_the_same_features(tmp_path):
    raw = jena_raw_frame()
    raw.to_csv(tmp_path / "raw.csv", index=False)
    raw.iloc[5::6].to_csv(tmp_path / "hourly.csv", index=False)
    from_raw = load_jena(data_config("jena", path=str(tmp_path / "raw.csv")), 2).segments[0]
    from_hourly = load_jena(data_config("jena", path=str(tmp_path / "hourly.csv")), 2).segments[0]
    np.testing.assert_array_equal(from_raw, from_hourly)
    assert len(from_raw) == 10
