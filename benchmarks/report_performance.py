"""docs/performance.md from the JSON that benchmarks/bench.py writes beside it.

    python benchmarks/report_performance.py docs/performance.json   # rewrite the page from saved figures
"""

import json
import re
import statistics
import sys
from pathlib import Path

SECTION = re.compile(r"<!-- (\w+): begin -->.*?<!-- \1: end -->", re.DOTALL)
TARGETS = {
    "speedup": 4.0,
    "mae_margin": 0.002,
    "pipeline_ratio": 10.0,
    "help_s": 0.3,
    "cfg_job_s": 1.0,
    "jena_rss_mib": 1536,
    "scale_rss_mib": 2048,
    "sweep_overhead_s": 1.0,
}


def median_row(rows, key):
    return statistics.median(row[key] for row in rows)


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def training_section(results):
    base, ours = results["baseline"], results["forecast"]
    lines = [
        "## 1. The tutorial's LSTM experiment on Jena: its own pipeline vs forecast's default path",
        "",
        "Same data (hourly Jena, the tutorial's 19 features, 70/20/10 split, train mean/std), same window",
        "(24 hours in, `T (degC)` at each of the 24 next hours), same model (LSTM(32, return_sequences) +",
        "Dense(1)), early stopping on val_loss. Baseline: `benchmarks/tutorial_baseline.py`, the tutorial's",
        "WindowGenerator (`timeseries_dataset_from_array`, batch 32) and compile_and_fit (Adam 1e-3,",
        "patience 2). forecast: `forecast train experiment=tutorial/lstm '~recipe' data.path=...`, i.e. the",
        "same experiment on the default training (batch 256, Adam 5e-3, 32 steps per execution, the rate",
        "cut to a fifth after an epoch without a lower val_loss, early stopping after 3 such epochs, best",
        "weights restored). Total = wall time of the whole process (imports, data, training, final metrics,",
        "saving).",
        "",
        "| path | run | epochs | s/epoch (median) | train windows/s | training s | total s | test MAE | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, rows in (("tutorial pipeline + fit (baseline)", base), ("forecast default", ours)):
        for i, row in enumerate(rows, 1):
            lines.append(
                f"| {name} | {i} | {row['epochs']} | {row['seconds_per_epoch']:.2f} | {row['train_windows_per_s']:,.0f} |"
                f" {row['training_s']:.1f} | {row['total_s']:.1f} | {row['test_mae']:.4f} | {row['peak_rss_mib']:.0f} |"
            )
    speedup = median_row(base, "total_s") / median_row(ours, "total_s")
    per_epoch = median_row(base, "seconds_per_epoch") / median_row(ours, "seconds_per_epoch")
    mae_gap = median_row(ours, "test_mae") - median_row(base, "test_mae")
    lines += [
        "",
        f"- End-to-end: **{speedup:.2f}x** shorter (target >= {TARGETS['speedup']:.0f}x: {verdict(speedup >= TARGETS['speedup'])}).",
        f"- Per epoch: {per_epoch:.2f}x faster.",
        f"- Test MAE, forecast minus baseline: {mae_gap:+.4f} (target <= +{TARGETS['mae_margin']}:"
        f" {verdict(mae_gap <= TARGETS['mae_margin'])}).",
        "",
    ]
    return lines, speedup, mae_gap


def pipeline_section(results):
    produced = results["pipeline_windows_per_s"]
    consumed = median_row(results["forecast"], "train_windows_per_s")
    ratio = produced / consumed
    return [
        "## 2. Input pipeline vs model",
        "",
        f"- forecast's training pipeline alone (shuffled index gather, default batch, whole epochs): {produced:,.0f} windows/s",
        f"- the model's consumption while training (section 1, validation included): {consumed:,.0f} windows/s",
        f"- ratio: **{ratio:.1f}x** (target >= {TARGETS['pipeline_ratio']:.0f}x: {verdict(ratio >= TARGETS['pipeline_ratio'])})",
        "",
    ]


def cli_section(results):
    return [
        "## 3. CLI latency (median of 5, TensorFlow never imported)",
        "",
        f"- `forecast --help`: {results['help_s']:.3f} s (target < {TARGETS['help_s']} s: {verdict(results['help_s'] < TARGETS['help_s'])})",
        f"- `forecast train --cfg job`: {results['cfg_job_s']:.3f} s (target < {TARGETS['cfg_job_s']} s:"
        f" {verdict(results['cfg_job_s'] < TARGETS['cfg_job_s'])})",
        "",
    ]


def memory_section(results):
    jena_rss = max(row["peak_rss_mib"] for row in results["forecast"])
    scale = results["scale"]
    lines = [
        "## 4. Memory and scale",
        "",
        f"Peak RSS training on Jena (section 1): {jena_rss:.0f} MiB (target < {TARGETS['jena_rss_mib']} MiB:"
        f" {verdict(jena_rss < TARGETS['jena_rss_mib'])}).",
        "",
        "Generated two-column CSVs (`data=csv model=linear`, batch 1024, 2 epochs, no early stopping).",
        "Windows are gathered per batch from the series, never materialized (7M windows of 25 rows x 2",
        "columns would take 1.4 GB as float32).",
        "",
        "| rows | train windows | s/epoch | s/epoch per million train windows | total s | peak RSS MiB |",
        "|---|---|---|---|---|---|",
    ]
    for row in scale:
        per_million = row["seconds_per_epoch"] / (row["train_windows"] / 1e6)
        lines.append(
            f"| {row['rows']:,} | {row['train_windows']:,} | {row['seconds_per_epoch']:.1f} | {per_million:.2f} |"
            f" {row['total_s']:.1f} | {row['peak_rss_mib']:.0f} |"
        )
    largest = max(scale, key=lambda r: r["rows"])
    smallest = min(scale, key=lambda r: r["rows"])
    lines += [
        "",
        f"- {largest['rows']:,} rows: peak RSS {largest['peak_rss_mib']:.0f} MiB (target < {TARGETS['scale_rss_mib']} MiB:"
        f" {verdict(largest['peak_rss_mib'] < TARGETS['scale_rss_mib'])}).",
        f"- Seconds per epoch grew {largest['seconds_per_epoch'] / smallest['seconds_per_epoch']:.2f}x for"
        f" {largest['rows'] / smallest['rows']:.0f}x the rows: linear at most (the cost per million windows"
        " falls as fixed per-epoch costs are spread).",
        "",
    ]
    return lines


def sweep_section(results):
    sweep = results["sweep"]
    return [
        f"## 5. In-process multirun overhead ({sweep['jobs']} jobs, `-m seed=1,2,3,4 model=linear`, 1 epoch each)",
        "",
        f"- sweep wall time {sweep['sweep_s']:.1f} s = one-time start-up {sweep['startup_s']:.1f} s"
        f" + job durations {sweep['sum_job_s']:.1f} s + overhead",
        f"- overhead per job: **{sweep['overhead_per_job_s']:.2f} s** (target < {TARGETS['sweep_overhead_s']} s:"
        f" {verdict(sweep['overhead_per_job_s'] < TARGETS['sweep_overhead_s'])})",
        "",
    ]


def write_report(results, out_path: Path) -> None:
    training, _, _ = training_section(results)
    lines = [
        "# Performance",
        "",
        f"Measured on {results['date']} by `{results['command']}` on this project's {results['cpus']}-core CPU",
        "machine, every row back to back in one invocation (the raw figures are in `performance.json`;",
        "`python benchmarks/report_performance.py docs/performance.json` rewrites this page from them).",
        "Absolute figures move with the machine's load; compare the ratios.",
        "",
        *training,
        *pipeline_section(results),
        *cli_section(results),
        *memory_section(results),
        *sweep_section(results),
    ]
    notes = Path(__file__).with_name("performance_notes.md")
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    lines += [block + "\n" for block in kept_sections(out_path)]
    out_path.write_text("\n".join(lines))


def kept_sections(page: Path):
    """The sections other benchmarks own on the page (`<!-- name: begin -->` ... `<!-- name: end -->`, e.g.
    benchmarks/sweep_launchers.py's), kept as they are when this page is rewritten."""
    if not page.exists():
        return []
    return [m.group(0) for m in SECTION.finditer(page.read_text())]


if __name__ == "__main__":
    source = Path(sys.argv[1])
    write_report(json.loads(source.read_text()), source.with_suffix(".md"))
