"""A full disk while a run writes: one line naming the run and 'no space left', the run marked failed,
nothing truncated under a final name. The run writes into a 64 KiB tmpfs mounted in a user namespace
(`unshare -rm`); where the kernel forbids those, the test is skipped."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FORECAST = str(Path(sys.executable).parent / "forecast")

# run inside the namespace once training ends (the mount vanishes with it): what the run left behind
INSPECT = """
import json, sys, zipfile
from pathlib import Path
run = Path(sys.argv[1])
report = {"files": sorted(p.name for p in run.iterdir())}
for path in run.glob("*.json"):
    try:
        report[path.name] = json.loads(path.read_text())
    except ValueError:
        report[path.name] = "TRUNCATED"
model = run / "model.keras"
report["model_ok"] = (not model.exists()) or zipfile.is_zipfile(model)
print(json.dumps(report))
"""


def user_namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not user_namespaces_work(), reason="needs unshare -rm and tmpfs mounts in a user namespace")
def test_a_full_disk_fails_the_run_in_one_line_and_truncates_nothing(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    run = disk / "run"
    (tmp_path / "inspect.py").write_text(INSPECT)
    script = (
        f"mount -t tmpfs -o size=80k tmpfs {disk} || exit 99; "
        f"{FORECAST} train data.n_series=10 trainer.epochs=1 model=linear trainer.verbose=silent hydra.run.dir={run}; "
        f"status=$?; {sys.executable} {tmp_path / 'inspect.py'} {run}; exit $status"
    )
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path
    )

    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("forecast: error:")]
    assert len(errors) == 1 and f"no space left on the device while writing {run}" in errors[0], result.stderr
    assert f"forecast train resume={run}" in errors[0]
    assert "Traceback" not in result.stderr
    left = json.loads(result.stdout.strip().splitlines()[-1])
    assert left["run.json"]["status"] == "failed" and left["run.json"]["error_kind"] == "no_space"
    assert "TRUNCATED" not in left.values() and left["model_ok"]
    assert not [name for name in left["files"] if "staging" in name or name.endswith(".tmp")]
