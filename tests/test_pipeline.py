"""The pipeline as a standard spaCy pipeline: assembled from config.cfg, saved, reloaded by
spacy.load in a fresh interpreter without configs/, packaged as a wheel; lexicons read at
initialisation and validated."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import spacy
import yaml

import osint_extract
from osint_extract.pipeline import is_osint_pipeline
from helpers import RULES

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
CORPUS = ROOT / "corpus" / "docs"

# Run in a fresh interpreter: the data files are made unreachable before anything of
# osint_extract can look for them, so only what the saved pipeline holds can be used.
NO_CONFIGS = """
import sys
import osint_extract.resources as resources
def gone(*args, **kwargs):
    raise AssertionError("the saved pipeline looked for configs/")
resources.configs_dir = gone
resources.read_data = gone
"""


@pytest.fixture(scope="module")
def saved(tmp_path_factory, nlp) -> Path:
    path = tmp_path_factory.mktemp("pipeline") / "osint-extract"
    nlp.to_disk(path)
    return path


def _corpus() -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))[:6]]


def test_saved_config_names_no_folder_of_this_machine(saved: Path) -> None:
    text = (saved / "config.cfg").read_text(encoding="utf-8")
    assert str(ROOT) not in text and str(saved) not in text
    assert '"${paths.configs}/lexicons/relations.yml"' in text  # the config file's own reference


def test_spacy_load_in_a_fresh_interpreter_without_configs_gives_the_same_output(saved: Path, nlp, tmp_path: Path) -> None:
    texts = _corpus()
    expected = [r.to_dict() for r in osint_extract.extract_many(texts, nlp=nlp)]
    script = NO_CONFIGS + f"""
import json, spacy
from osint_extract.io.results import doc_to_result
nlp = spacy.load({str(saved)!r})
texts = json.load(open({str(tmp_path / 'in.json')!r}))
out = [doc_to_result(doc, doc_id).to_dict() for doc, doc_id in nlp.pipe(((t, i) for i, t in texts), as_tuples=True)]
json.dump(out, open({str(tmp_path / 'out.json')!r}, "w"), ensure_ascii=False)
"""
    (tmp_path / "in.json").write_text(json.dumps(texts), encoding="utf-8")
    env = {**os.environ, "OSINT_EXTRACT_CONFIGS": str(tmp_path / "nowhere")}
    subprocess.run([sys.executable, "-c", script], check=True, cwd=tmp_path, env=env, timeout=300)
    got = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert sum(len(d["relations"]) for d in got) > 20  # the comparison covered real output


def test_cli_extract_with_a_saved_pipeline_writes_identical_tables(saved: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for doc_id, text in _corpus()[:3]:
        (inputs / doc_id).write_text(text, encoding="utf-8")
    cli = [sys.executable, "-m", "osint_extract.cli"]
    # the rules assembled in memory on the base, against the same rules saved and loaded
    subprocess.run(cli + ["extract", str(inputs), "--out", str(tmp_path / "default"), "--model", RULES, "--no-progress"],
                   check=True, timeout=300)
    subprocess.run(cli + ["extract", str(inputs), "--out", str(tmp_path / "saved"), "--model", str(saved), "--no-progress"],
                   check=True, timeout=300)
    for name in ("documents.jsonl", "mentions.csv", "entities.csv", "relations.csv", "controls.csv"):
        assert (tmp_path / "saved" / name).read_bytes() == (tmp_path / "default" / name).read_bytes(), name


def test_a_saved_pipeline_is_used_as_it_is_and_a_base_gets_the_components(saved: Path, tmp_path: Path) -> None:
    assert is_osint_pipeline(osint_extract.load(model=saved))
    base = spacy.blank("en")
    base.add_pipe("sentencizer")
    base.to_disk(tmp_path / "blank_en")
    built = osint_extract.load(model=tmp_path / "blank_en")
    assert built.pipe_names[:2] == ["osint_line_breaks", "sentencizer"]
    assert "osint_relations" in built.pipe_names and "parser" not in built.pipe_names


def test_spacy_assemble_builds_the_same_pipeline(tmp_path: Path, nlp) -> None:
    out = tmp_path / "assembled"
    subprocess.run([sys.executable, "-m", "spacy", "assemble", str(CONFIGS / "config.cfg"), str(out)],
                   check=True, cwd=ROOT, timeout=300, capture_output=True)
    assembled = spacy.load(out)
    assert assembled.pipe_names == nlp.pipe_names
    text = _corpus()[0][1]
    assert osint_extract.extract(text, nlp=assembled).to_dict() == osint_extract.extract(text, nlp=nlp).to_dict()


def test_spacy_package_wheel_installs_and_runs_in_a_fresh_venv(saved: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    subprocess.run([sys.executable, "-m", "spacy", "package", str(saved), str(dist), "--name", "osint_extract_test",
                    "--version", "0.0.1", "--build", "wheel", "--force"], check=True, timeout=600, capture_output=True)
    wheels = list(dist.rglob("*.whl"))
    assert len(wheels) == 1
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # spaCy and osint_extract's code come from this environment; the pipeline, with its
    # lexicons, only from the wheel
    site = Path(subprocess.check_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    (site / "_test_env.pth").write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n", encoding="utf-8")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheels[0])], check=True, timeout=300)
    script = NO_CONFIGS + """
import spacy
nlp = spacy.load("en_osint_extract_test")
doc = nlp("Los Lobos, led by Wilmer Chavarría, control the Turi prison in Cuenca with AK-47 rifles.")
print(sorted(f.label for f in doc._.osint_relations))
"""
    env = {**os.environ, "OSINT_EXTRACT_CONFIGS": str(tmp_path / "nowhere")}
    out = subprocess.run([str(python), "-c", script], check=True, cwd=tmp_path, env=env, timeout=300, capture_output=True, text=True)
    assert "CONTROLS" in out.stdout


# --------------------------------------------------------------------------- lexicons


def test_an_edited_lexicon_counts_when_the_component_is_initialised_again(tmp_path: Path) -> None:
    lexicon = tmp_path / "arms.yml"
    shutil.copy(CONFIGS / "lexicons" / "arms.yml", lexicon)
    # the rules only: a trained `ner` may find the made-up model from its context alone
    nlp = osint_extract.load(RULES)
    arms = nlp.get_pipe("osint_arms")
    text = "The unit carried Zarqa-9 launchers."
    arms.initialize(lexicon=str(lexicon))
    assert "Zarqa-9" not in [e.text for e in nlp(text).ents]
    data = yaml.safe_load(lexicon.read_text(encoding="utf-8"))
    data["designations"]["models"].append("Zarqa-9")
    lexicon.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    arms.initialize(lexicon=str(lexicon))
    assert ("Zarqa-9", "WEAPON") in [(e.text, e.label_) for e in nlp(text).ents]



def test_the_default_is_the_trained_pipeline_and_without_one_the_rules_with_a_warning(monkeypatch, tmp_path):
    import osint_extract.pipeline as pipeline
    import osint_extract.resources as resources

    shipped = ROOT / "models" / "osint-extract-trained"
    monkeypatch.delenv(resources.MODEL_ENV, raising=False)
    assert resources.trained_model_dir() == shipped
    # the variable wins where it names a pipeline folder ...
    other = tmp_path / "other"
    other.mkdir()
    (other / "meta.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv(resources.MODEL_ENV, str(other))
    assert resources.trained_model_dir() == other
    # ... and is ignored, with a warning, where it does not
    monkeypatch.setenv(resources.MODEL_ENV, str(tmp_path / "nothing"))
    with pytest.warns(UserWarning, match="not a spaCy pipeline folder"):
        assert resources.trained_model_dir() == shipped
    monkeypatch.setattr(pipeline, "trained_model_dir", lambda: None)
    with pytest.warns(UserWarning, match="no trained osint-extract pipeline"):
        nlp = pipeline.load()
    assert is_osint_pipeline(nlp) and "osint_entity_model" not in nlp.pipe_names and "osint_relations" in nlp.pipe_names
