"""Build time and size of the review report, and how fast its table filter answers in
Chromium with thousands of documents.

    python benchmarks/report.py [--documents 2000] [--distinct 50] [--repeats 3] [--no-browser]

1. The bundled corpus (corpus/docs) is extracted into a temporary run folder and its report
   built --repeats times (best time kept); the report's size is printed.
2. A synthetic run folder of --documents documents is written from the corpus results:
   copy k of a corpus document gets its entities renamed with the suffix (k // 14) %
   --distinct, so the run holds about --distinct times the corpus's run-wide entities and
   who-controls-what rows, each seen in several documents. Its report is built once.
3. That report is opened in headless Chromium (offline) and the who-controls-what filter is
   timed: the time from setting the actor box and firing its input event to the end of the
   re-render and layout, per query, for names, short substrings and clearing it.
"""
from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def build(out: Path, repeats: int) -> tuple[float, object]:
    from osint_extract.io import report

    best, stats = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        stats = report(out)
        best = min(best, time.perf_counter() - start)
    return best, stats


def synthetic_run(results: list, out: Path, documents: int, distinct: int) -> None:
    """`documents` copies of the corpus results, their entities renamed per copy group."""
    from osint_extract.io.tables import write_outputs

    def copies():
        for k in range(documents):
            source = results[k % len(results)]
            suffix = (k // len(results)) % distinct
            rename = (lambda name: f"{name} {suffix}") if suffix else (lambda name: name)
            entities = [dataclasses.replace(e, name=rename(e.name), aliases=[rename(a) for a in e.aliases]) for e in source.entities]
            relations = [dataclasses.replace(r, head_name=rename(r.head_name), tail_name=rename(r.tail_name)) for r in source.relations]
            yield dataclasses.replace(source, id=f"synthetic/{k:05d}-{source.id}", entities=entities, relations=relations)

    write_outputs(copies(), out)


def browser_filter_times(index: Path, queries: list[str]) -> dict:
    from test_report import CHROMEDRIVER, CHROMIUM
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    profile = tempfile.mkdtemp(prefix="osint-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--window-size=1400,1000", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
        driver.get(index.as_uri())
        WebDriverWait(driver, 120).until(lambda d: d.execute_script("return !!(window.osintReport && window.osintReport.readyAt)"))
        ready = driver.execute_script("return window.osintReport.readyAt")
        WebDriverWait(driver, 300).until(lambda d: d.execute_script(
            "var n = window.osintReport.network; return !n || !n.physics.physicsEnabled || n.physics.stabilized"))
        settled = driver.execute_script("return performance.now()")
        times = {}
        for query in queries:
            times[query] = driver.execute_script(
                """var box = document.querySelector('#controls input.actor-filter');
                var t0 = performance.now();
                box.value = arguments[0];
                box.dispatchEvent(new Event('input'));
                document.body.offsetHeight;  // force the layout of the new rows
                return [performance.now() - t0, document.getElementById('controls').dataset.shown];""",
                query,
            )
        return {"ready_ms": ready, "network_settled_ms": settled, "filters": times}
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--distinct", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the synthetic run folder here.")
    args = parser.parse_args()

    from osint_extract.runs.batch import run_batch
    from osint_extract.io.run_folder import read_run

    work = Path(tempfile.mkdtemp(prefix="osint-report-bench-"))
    try:
        corpus_out = work / "corpus"
        run_batch([ROOT / "corpus" / "docs"], corpus_out)
        seconds, stats = build(corpus_out, args.repeats)
        index_mb = stats.path.stat().st_size / 1e6
        print(f"bundled corpus: {stats.documents} documents, {stats.controls} who-controls-what rows "
              f"between {stats.entities} entities")
        print(f"  report built in {seconds:.2f} s (best of {args.repeats}); "
              f"{stats.bytes / 1e6:.2f} MB in all, index.html {index_mb:.2f} MB")

        synthetic = args.keep or work / "synthetic"
        start = time.perf_counter()
        synthetic_run(read_run(corpus_out).results, synthetic, args.documents, args.distinct)
        print(f"synthetic run: {args.documents} documents written in {time.perf_counter() - start:.1f} s")
        seconds, stats = build(synthetic, 1)
        print(f"  report: {stats.documents} documents, {stats.controls} who-controls-what rows "
              f"between {stats.entities} entities")
        print(f"  report built in {seconds:.2f} s; {stats.bytes / 1e6:.2f} MB in all, "
              f"index.html {stats.path.stat().st_size / 1e6:.2f} MB")
        if args.no_browser:
            return
        from test_report import CHROMEDRIVER, CHROMIUM

        try:
            import selenium  # noqa: F401
        except ImportError:
            CHROMIUM = None
        if not (CHROMIUM and CHROMEDRIVER):
            print("  (no chromium, chromedriver or selenium: filter not timed)")
            return
        entities = read_run(synthetic).entities_run
        queries = [*entities["name"].head(3), "los", "a", "zz-no-such-actor", ""]
        result = browser_filter_times(stats.path, queries)
        print(f"  Chromium: page ready {result['ready_ms']:.0f} ms after navigation start, "
              f"network laid out at {result['network_settled_ms']:.0f} ms")
        for query, (ms, shown) in result["filters"].items():
            print(f"  filter {query!r}: {ms:.1f} ms ({shown} rows match)")
        values = [ms for ms, _ in result["filters"].values()]
        print(f"  filter: median {statistics.median(values):.1f} ms, max {max(values):.1f} ms")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
