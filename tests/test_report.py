"""The review report: built from a real run folder, offline, escaped, linked to its evidence,
and (where Chromium and chromedriver are installed, as in CI) opened in a headless browser
with the network switched off."""
from __future__ import annotations

import csv
import importlib
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

import osint_extract
from osint_extract.cli import app
from osint_extract.io.report import MARKER, _split_evidence, page_name

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "docs"
# The README names this folder; OSINT_SCREENSHOTS moves it.
SCREENSHOTS = Path(os.environ.get("OSINT_SCREENSHOTS", ROOT / "out" / "screenshots"))

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE_TEXT = (
    f"Leaked chat logs {SCRIPT} show that the Los Choneros gang controls the Litoral Penitentiary in Guayaquil.\n\n"
    f"A second post {IMG} says Los Lobos fighters attacked Los Choneros near Manta."
)
HOSTILE_NAME = "leak <img src=y onerror=alert(2)>.txt"


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def run_dir(nlp, tmp_path_factory) -> Path:
    """A run over three corpus documents, a document full of markup (in its text and its
    file name) and an empty file, written with `extract --report`."""
    root = tmp_path_factory.mktemp("report")
    docs = root / "in"
    docs.mkdir()
    for name in ("ecuador-prisons.txt", "colombia-cauca.txt", "mexico-culiacan.txt"):
        shutil.copy(CORPUS / name, docs / name)
    (docs / HOSTILE_NAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    (docs / "empty.txt").write_text("", encoding="utf-8")
    out = root / "out"
    result = runner.invoke(app, ["extract", str(docs), "--out", str(out), "--report", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert (out / "report" / "index.html").is_file()
    return out


class Page(HTMLParser):
    """The tags, attributes and row texts of an HTML page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.rows: dict[str, list[str]] = {}  # <tr id=...> -> its cells' text
        self.scripts: list[str] = []
        self._row: str | None = None
        self._script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "tr" and attrs.get("id"):
            self._row = attrs["id"]
            self.rows[self._row] = []
        elif tag == "td" and self._row:
            self.rows[self._row].append("")
        self._script = tag == "script"
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None
        if tag == "script":
            self._script = False

    def handle_data(self, data):
        if self._script:
            self.scripts[-1] += data
        elif self._row and self.rows[self._row]:
            self.rows[self._row][-1] += data


def report_data(index: Path) -> dict:
    text = index.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S)
    return json.loads(block.group(1))


def test_report_is_self_contained_and_fetches_nothing(run_dir):
    report = run_dir / "report"
    pages = sorted(report.rglob("*.html"))
    documents = [json.loads(line) for line in (run_dir / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(pages) == 1 + len(documents)
    assert {p.name for p in (report / "docs").iterdir()} == {page_name(d["id"]) for d in documents}
    for path in pages:
        page = Page(path.read_text(encoding="utf-8"))
        csp = [a["content"] for tag, a in page.tags if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        assert csp and csp[0].startswith("default-src 'none'"), path
        for tag, attrs in page.tags:
            assert tag not in {"link", "img", "iframe", "object", "embed", "video", "audio", "source", "base"}, (path, tag)
            assert "src" not in attrs, (path, tag, attrs)
            if tag == "a":
                assert not re.match(r"[a-z][a-z0-9+.-]*:", attrs["href"], re.I), (path, attrs)
            assert not any(name.startswith("on") for name in attrs), (path, tag, attrs)
        if path.parent.name == "docs":
            assert page.scripts == [], path  # document pages carry no script (and their policy allows none)
        else:
            # the index's two scripts are allowed by hash; the JSON block is data
            assert len(page.scripts) == 3
            assert csp[0].count("'sha256-") == 2


def test_report_shows_markup_in_documents_and_names_as_text(run_dir):
    report = run_dir / "report"
    for path in report.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=" not in text, path
    hostile = (report / "docs" / page_name(HOSTILE_NAME)).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile
    assert "leak &lt;img src=y onerror=alert(2)&gt;.txt" in hostile
    data = report_data(report / "index.html")
    assert HOSTILE_NAME in [d[0] for d in data["documents"]]


def test_report_holds_every_controls_row_and_links_each_to_its_evidence(run_dir):
    report = run_dir / "report"
    controls = read_csv(run_dir / "controls.csv")
    data = report_data(report / "index.html")
    rows = data["controls"]
    assert len(controls) > 5
    assert [(r[1], r[3], r[5]) for r in rows] == [(c["controller_id"], c["relation"], c["controlled_id"]) for c in controls]
    run_ids = {e["id"] for e in read_csv(run_dir / "entities_run.csv")}
    assert {r[1] for r in rows} | {r[5] for r in rows} <= run_ids
    linked = 0
    for row, control in zip(rows, controls):
        assert [e[0] for e in row[10]] == control["doc_ids"].split("; ")
        assert " | ".join(f"{e[0]}: {e[1]}" for e in row[10]) == control["evidence"]
        for doc_id, sentence, link in row[10]:
            page_path, anchor = link.split("#")
            assert page_path == f"docs/{page_name(doc_id)}"
            relation = Page((report / page_path).read_text(encoding="utf-8")).rows[anchor]
            head, label, tail, confidence, pattern, evidence = (cell.strip() for cell in relation)
            assert label == row[3]
            # evidence across two sentences may hold a paragraph break; HTML shows it as a space
            assert " ".join(evidence.split()) == " ".join(sentence.split())
            linked += 1
    assert linked == sum(int(c["documents"]) for c in controls)


def test_document_pages_mark_every_mention(run_dir):
    report = run_dir / "report"
    mentions = read_csv(run_dir / "mentions.csv")
    for doc_id, expected in Counter(m["doc_id"] for m in mentions).items():
        page = Page((report / "docs" / page_name(doc_id)).read_text(encoding="utf-8"))
        marks = [a for tag, a in page.tags if tag == "mark" and a.get("class") == "entity"]
        assert len(marks) == expected, doc_id


def test_report_summary_counts_the_run(run_dir):
    text = (run_dir / "report" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'id="n-documents">(\d+)<', text).group(1) == "4"
    assert re.search(r'id="n-errors">(\d+)<', text).group(1) == "1"
    assert re.search(r'id="n-entities">(\d+)<', text).group(1) == str(len(read_csv(run_dir / "entities_run.csv")))
    assert "empty.txt" in text


def test_report_of_a_run_folder_written_before_run_wide_entities(run_dir, tmp_path):
    """An older run has no entities_run.csv and no id columns in controls.csv."""
    old = tmp_path / "old"
    shutil.copytree(run_dir, old, ignore=shutil.ignore_patterns("report", ".osint-cache"))
    (old / "entities_run.csv").unlink()
    controls = read_csv(old / "controls.csv")
    columns = [c for c in controls[0] if c not in ("controller_id", "controlled_id")]
    with (old / "controls.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(controls)
    stats = osint_extract.report(old)
    assert stats.path == old / "report" / "index.html"
    rows = report_data(stats.path)["controls"]
    assert sorted((r[0], r[3], r[4]) for r in rows) == sorted((c["controller"], c["relation"], c["controlled"]) for c in controls)


def test_failed_build_keeps_the_previous_report(run_dir, tmp_path, monkeypatch):
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    before = (copy / "report" / "index.html").read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importlib.import_module("osint_extract.io.report"), "_document_page", broken)
    with pytest.raises(RuntimeError):
        osint_extract.report(copy)
    assert (copy / "report" / "index.html").read_bytes() == before
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith(".report")) == []


def test_report_never_replaces_a_folder_it_did_not_write(run_dir, tmp_path):
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "notes.txt").write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["report", str(run_dir), "--dest", str(dest)])
    assert result.exit_code == 2
    assert str(dest) in result.output and "not a report folder" in result.output
    assert (dest / "notes.txt").read_text(encoding="utf-8") == "keep me"
    result = runner.invoke(app, ["report", str(run_dir), "--dest", str(tmp_path / "fresh")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fresh" / MARKER).is_file()
    result = runner.invoke(app, ["report", str(run_dir), "--dest", str(tmp_path / "fresh")])  # its own: replaced
    assert result.exit_code == 0, result.output


def test_report_command_names_the_bad_file(tmp_path, run_dir):
    result = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "missing" in result.output
    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken, ignore=shutil.ignore_patterns("report", ".osint-cache"))
    lines = (broken / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1][:40]
    (broken / "documents.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["report", str(broken)])
    assert result.exit_code == 2
    assert "documents.jsonl:2" in result.output
    assert not (broken / "report").exists()


def test_evidence_splits_by_document_even_with_separators_in_sentences():
    evidence = "a.txt: One | two: three. | b/c.md: Four. | a.txt: five"
    assert _split_evidence(evidence, "a.txt; b/c.md") == [("a.txt", "One | two: three."), ("b/c.md", "Four. | a.txt: five")]
    assert _split_evidence("", "") == []


# ---- in a real browser -------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through chromedriver, offline: the network is emulated as down and
    every request the pages make is logged, so the test can show that none left the disk."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium and chromedriver not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="osint-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0}
    )
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _no_alert(driver) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        text = driver.switch_to.alert.text
    except NoAlertPresentException:
        return
    pytest.fail(f"the page opened an alert: {text!r}")


def _console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_report_in_headless_chromium(run_dir, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    report = run_dir / "report"
    controls = read_csv(run_dir / "controls.csv")
    browser.get_log("browser"), browser.get_log("performance")  # start clean
    browser.get((report / "index.html").as_uri())
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return !!(window.osintReport && window.osintReport.controls)"))
    _no_alert(browser)
    assert _console_errors(browser) == []
    browser.save_screenshot(str(SCREENSHOTS / "index.png"))

    # the table holds the rows of controls.csv
    Select(browser.find_element(By.CSS_SELECTOR, "#controls select.page-size")).select_by_visible_text("1000")
    shown = browser.execute_script(
        "return Array.from(document.querySelectorAll('#controls tr.control-row')).map(tr => "
        "[tr.dataset.controllerId, tr.children[1].textContent, tr.dataset.controlledId])"
    )
    assert Counter(map(tuple, shown)) == Counter((c["controller_id"], c["relation"], c["controlled_id"]) for c in controls)

    # filtering by an actor narrows it to the rows that name the actor
    entities = {e["id"]: e for e in read_csv(run_dir / "entities_run.csv")}
    actor = Counter(c["controller_id"] for c in controls).most_common(1)[0][0]
    query = entities[actor]["name"]

    def names(rid: str) -> str:
        e = entities[rid]
        return "\n".join([e["name"], *[a for a in e["aliases"].split("; ") if a]]).lower()

    expected = [c for c in controls if query.lower() in names(c["controller_id"]) + "\n" + names(c["controlled_id"])]
    assert 0 < len(expected) < len(controls)
    box = browser.find_element(By.CSS_SELECTOR, "#controls input.actor-filter")
    box.send_keys(query)
    shown = browser.execute_script(
        "return Array.from(document.querySelectorAll('#controls tr.control-row')).map(tr => "
        "[tr.dataset.controllerId, tr.dataset.controlledId])"
    )
    assert sorted(map(tuple, shown)) == sorted((c["controller_id"], c["controlled_id"]) for c in expected)
    assert all(actor in row or query.lower() in names(row[0]) + names(row[1]) for row in map(tuple, shown))
    browser.save_screenshot(str(SCREENSHOTS / "filtered.png"))
    box.clear()

    # the network draws one node per run-wide entity with an edge, and every edge
    ids = {c["controller_id"] for c in controls} | {c["controlled_id"] for c in controls}
    nodes = browser.execute_script("return window.osintReport.nodes.getIds()")
    assert sorted(nodes) == sorted(ids)
    assert browser.execute_script("return window.osintReport.edges.length") == len(controls)
    positions = browser.execute_script("return window.osintReport.network.getPositions()")
    assert set(positions) == ids
    canvas = browser.find_element(By.CSS_SELECTOR, "#network canvas")
    assert canvas.size["width"] > 300 and canvas.size["height"] > 300
    browser.execute_script("window.osintReport.network.fit(); document.getElementById('network-section').scrollIntoView()")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return !window.osintReport.network.physics.physicsEnabled || window.osintReport.network.physics.stabilized"))
    browser.save_screenshot(str(SCREENSHOTS / "network.png"))

    # an evidence link opens the document page at the relation, its mentions highlighted
    link = browser.find_element(By.CSS_SELECTOR, "#controls tr.control-row .ev a")
    relation = browser.find_element(By.CSS_SELECTOR, "#controls tr.control-row td.rel").text
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    WebDriverWait(browser, 10).until(lambda d: "/docs/" in d.current_url)
    target = browser.execute_script("return document.querySelector('tr:target')")
    assert target is not None and target.find_element(By.CSS_SELECTOR, "td.rel").text == relation
    assert target.find_elements(By.CSS_SELECTOR, "mark.head") or target.find_elements(By.CSS_SELECTOR, "mark.tail")
    doc_id = browser.find_element(By.ID, "doc-id").text
    mentions = [m for m in read_csv(run_dir / "mentions.csv") if m["doc_id"] == doc_id]
    marks = browser.find_elements(By.CSS_SELECTOR, ".doctext mark.entity")
    assert len(marks) == len(mentions) > 0
    assert [m.get_attribute("textContent").split()[0] for m in marks[:10]] == [m["text"].split()[0] for m in mentions[:10]]
    assert _console_errors(browser) == []
    browser.save_screenshot(str(SCREENSHOTS / "document.png"))

    # a document full of markup runs nothing and shows the markup as text
    browser.get((report / "docs" / page_name(HOSTILE_NAME)).as_uri())
    _no_alert(browser)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert SCRIPT in body and IMG in body and HOSTILE_NAME in body
    assert browser.execute_script("return [document.images.length, document.scripts.length]") == [0, 0]
    assert _console_errors(browser) == []
    browser.save_screenshot(str(SCREENSHOTS / "hostile-document.png"))

    # and the index lists its name as text too
    browser.get((report / "index.html").as_uri())
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return !!(window.osintReport && window.osintReport.documents)"))
    _no_alert(browser)
    names_shown = browser.execute_script("return Array.from(document.querySelectorAll('#documents tr.doc-row a')).map(a => a.textContent)")
    assert HOSTILE_NAME in names_shown
    assert browser.execute_script("return document.images.length") == 0

    # nothing was fetched from anywhere but the disk
    assert [url for url in _requests(browser) if not url.startswith(("file:", "data:"))] == []


def test_markup_in_entity_names_shows_as_text_in_the_browser(run_dir, browser, tmp_path):
    """A run folder from elsewhere (or edited by hand) may hold names with markup: the table,
    the documents list and the network show them as text."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    edited = tmp_path / "edited"
    shutil.copytree(run_dir, edited, ignore=shutil.ignore_patterns("report"))
    hostile = "<img src=x onerror=alert(3)><script>alert(4)</script>"
    controls = read_csv(edited / "controls.csv")
    target = controls[0]["controller_id"]
    for path in (edited / "controls.csv", edited / "entities_run.csv"):
        rows = read_csv(path)
        for row in rows:
            for key, id_key in (("controller", "controller_id"), ("controlled", "controlled_id"), ("name", "id")):
                if row.get(id_key) == target:
                    row[key] = hostile
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    index = osint_extract.report(edited).path
    assert "<img src=" not in index.read_text(encoding="utf-8")
    browser.get_log("browser")
    browser.get(index.as_uri())
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return !!(window.osintReport && window.osintReport.controls)"))
    _no_alert(browser)
    assert browser.execute_script("return [document.images.length, document.querySelectorAll('body script:not([id])').length]") == [0, 2]
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, f"#controls td[data-id='{target}'] .actor")]
    assert cells and set(cells) == {hostile}
    assert browser.execute_script(f"return window.osintReport.nodes.get('{target}').label") == hostile
    assert _console_errors(browser) == []


def test_network_of_a_big_run_draws_the_best_supported_relations(run_dir, tmp_path):
    controls = read_csv(run_dir / "controls.csv")
    stats = osint_extract.report(run_dir, tmp_path / "small", max_network_edges=3)
    data = report_data(stats.path)
    assert len(data["controls"]) == len(controls) > 3
    drawn = data["network"]["edges"]
    assert len(drawn) == 3
    assert sorted(e[3] for e in drawn) == sorted(int(c["documents"]) for c in controls)[-3:]
    assert f"The 3 best-supported of {len(controls)} relations are drawn." in stats.path.read_text(encoding="utf-8")
