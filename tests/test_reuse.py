"""The ledger in standard forms: Web Annotations re-anchor on their seeds and read, to a JSON-LD processor,
as the W3C vocabulary says; the Data Package validates with frictionless (and fails, with a clear
message, on broken copies)."""
from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil

import pytest
from conftest import ROOT

ANNOTATIONS = ROOT / "data" / "claims.annotations.jsonld"
PACKAGE = ROOT / "data" / "datapackage.json"


def _seeds() -> dict[str, tuple[str, str]]:
    """sha256 -> (seed file, text)."""
    found = {}
    for path in (ROOT / "seeds").glob("*.txt"):
        raw = path.read_bytes()
        found[hashlib.sha256(raw).hexdigest()] = (path.name, raw.decode("utf-8"))
    return found


def _rows(file: str, key: str) -> dict[str, dict[str, str]]:
    with open(ROOT / "data" / file, encoding="utf-8", newline="") as handle:
        return {row[key]: row for row in csv.DictReader(handle)}


def test_every_annotation_targets_the_storys_page_and_reanchors_on_its_seed():
    """The target is the story's page (its address in sources.csv: what annotation tools anchor on); its
    TimeState names the seed the offsets count in (cached: the seed's hash), and both selectors find the
    same span in that seed."""
    collection = json.loads(ANNOTATIONS.read_text(encoding="utf-8"))
    items = collection["first"]["items"]
    claims, sources = _rows("claims.csv", "claim_id"), _rows("sources.csv", "source")
    assert len(items) == collection["total"] == sum(1 for row in claims.values() if row["verdict"])
    seeds = _seeds()
    for item in items:
        claim = claims[item["id"].rsplit("#", 1)[1]]
        target = item["target"]
        assert target["source"] == sources[claim["source"]]["url"] and target["source"].startswith(("http://", "https://")), item["id"]
        state = target["state"]
        assert state["type"] == "TimeState" and state["sourceDate"] == item["created"], item["id"]
        assert state["cached"].startswith("urn:sha256:")
        name, text = seeds[state["cached"].removeprefix("urn:sha256:")]  # the seed's hash matches a seed
        assert name == f"{claim['source']}.txt", item["id"]
        quote = next(s for s in target["selector"] if s["type"] == "TextQuoteSelector")
        position = next(s for s in target["selector"] if s["type"] == "TextPositionSelector")
        assert text[position["start"]:position["end"]] == quote["exact"], (item["id"], name)
        found = text.find(quote["prefix"] + quote["exact"] + quote["suffix"])
        assert found >= 0 and found + len(quote["prefix"]) == position["start"], (item["id"], name)
        assert text.count(quote["prefix"] + quote["exact"] + quote["suffix"]) == 1, item["id"]
        assert item["body"][0]["purpose"] == "assessing" and item["body"][0]["value"]


ANNO = "http://www.w3.org/ns/anno.jsonld"
ANNO_CONTEXT = json.loads((ROOT / "tests" / "schemas" / "w3c-anno" / "anno.jsonld").read_text(encoding="utf-8"))
# The vendored file is the W3C repository's last version (2016). When oa:reviewing became oa:assessing the
# context kept the old term; W3C added the missing one to the served context in July 2021
# (w3c/web-annotation issue 444), and the loader serves the context with that one line applied.
ANNO_CONTEXT["@context"].setdefault("assessing", "oa:assessing")
OA, AS = "http://www.w3.org/ns/oa#", "http://www.w3.org/ns/activitystreams#"
BASE = "https://book.invalid/"  # a stand-in for html_baseurl: relative ids resolve against it


def _anno_loader(url, options=None):
    if url == ANNO:
        return {"contextUrl": None, "documentUrl": url, "document": ANNO_CONTEXT}
    raise AssertionError(f"the annotations ask for a context we do not vendor: {url}")


def _expand(document, base: str = BASE) -> list:
    from pyld import jsonld

    return jsonld.expand(document, {"base": base, "documentLoader": _anno_loader})


def undefined_keys(document) -> list[str]:
    """Keys the W3C context does not define: a JSON-LD processor silently drops them."""
    terms = ANNO_CONTEXT["@context"]
    found = []

    def walk(node, path):
        if isinstance(node, list):
            for item in node:
                walk(item, path)
        elif isinstance(node, dict):
            for key, value in node.items():
                if not key.startswith("@") and key not in terms:
                    found.append(f"{path}/{key}")
                walk(value, f"{path}/{key}")
    walk(document, "")
    return sorted(set(found))


def test_annotation_check_catches_an_unknown_key_and_a_misspelt_purpose():
    """The checks can fail: an undefined key is reported, and a misspelt purpose expands outside oa:."""
    item = {"@context": ANNO, "type": "Annotation", "target": "urn:x", "motivaton": "assessing",
            "body": {"type": "TextualBody", "value": "x", "purpose": "asessing"}}
    assert undefined_keys(item) == ["/motivaton"]
    body = _expand(item)[0][OA + "hasBody"][0]
    assert not body[OA + "hasPurpose"][0]["@id"].startswith(OA)


def test_annotations_expand_with_the_w3c_context():
    """Expanded by PyLD against the vendored W3C context (no network): every key is a term of the
    vocabulary, each item is an oa:Annotation motivated by oa:assessing, its bodies have oa: purposes,
    its selectors are oa: quote and position selectors, and its id lands on the claim's card."""
    collection = json.loads(ANNOTATIONS.read_text(encoding="utf-8"))
    assert collection["@context"] == [ANNO, {"@base": None}]  # ids relative to the book's root (no html_baseurl)
    assert not undefined_keys(collection), undefined_keys(collection)
    [expanded] = _expand(collection)
    assert expanded["@type"] == [AS + "OrderedCollection"]  # what the context calls an AnnotationCollection
    items = expanded[AS + "first"][0][AS + "items"][0]["@list"]
    assert len(items) == collection["total"] == expanded[AS + "totalItems"][0]["@value"]
    purposes = {OA + "assessing", OA + "editing", OA + "commenting"}
    xsd_datetime = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
    for raw, item in zip(collection["first"]["items"], items):
        assert item["@type"] == [OA + "Annotation"], raw["id"]
        assert item["@id"] == raw["id"], raw["id"]  # kept as written, not resolved against the file's location
        assert [m["@id"] for m in item[OA + "motivatedBy"]] == [OA + "assessing"]
        assert {p["@id"] for b in item[OA + "hasBody"] for p in b[OA + "hasPurpose"]} <= purposes, raw["id"]
        target = item[OA + "hasTarget"][0]
        assert target[OA + "hasSource"][0]["@id"] == raw["target"]["source"], raw["id"]  # the story's page
        [state] = target[OA + "hasState"]
        assert state["@type"] == [OA + "TimeState"], raw["id"]
        assert state[OA + "cachedSource"][0]["@id"].startswith("urn:sha256:"), raw["id"]
        assert xsd_datetime.fullmatch(state[OA + "sourceDate"][0]["@value"]), raw["id"]
        kinds = sorted(t for s in target[OA + "hasSelector"] for t in s["@type"])
        assert kinds == [OA + "TextPositionSelector", OA + "TextQuoteSelector"], raw["id"]
        for created in item.get("http://purl.org/dc/terms/created", []):  # typed xsd:dateTime by the context
            assert xsd_datetime.fullmatch(created["@value"]), (raw["id"], created["@value"])


def test_a_story_without_an_address_is_its_own_target(data_copy, monkeypatch):
    """With no address in sources.csv, the seed itself (its hash) is the target's source, with no state."""
    from stemreport import reuse

    path = data_copy / "data" / "sources.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    source = rows[1][0]
    rows[1][rows[0].index("url")] = ""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    monkeypatch.setenv("STEMREPORT_ROOT", str(data_copy))
    items = reuse.annotations()["first"]["items"]
    seed = "urn:sha256:" + hashlib.sha256((data_copy / "seeds" / f"{source}.txt").read_bytes()).hexdigest()
    own = [i["target"] for i in items if i["id"].startswith(f"notebooks/source_{source[:3]}.html#")]
    assert own and all(t["source"] == seed and "state" not in t for t in own)
    assert all(i["target"]["source"].startswith("http") for i in items if i["target"] not in own)


def test_the_data_package_validates():
    from frictionless import Package

    report = Package(str(PACKAGE)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


def _broken_copy(tmp_path, file: str, edit) -> object:
    from frictionless import Package

    shutil.copytree(ROOT / "data", tmp_path / "data")
    path = tmp_path / "data" / file
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    edit(rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return Package(str(tmp_path / "data" / "datapackage.json")).validate()


def _set(column: str, value: str):
    return lambda rows: rows[1].__setitem__(rows[0].index(column), value)


@pytest.mark.parametrize("file, edit, expected", [
    pytest.param("claims.csv", _set("source", "009_0123456789abcdef"), "foreign-key", id="unknown-source"),
    pytest.param("claims.csv", _set("verdict", "probably"), "constraint-error", id="verdict-enum"),
    pytest.param("claims.csv", lambda rows: rows.append(list(rows[1])), "primary-key", id="duplicate-claim"),
    pytest.param("claims.csv", _set("start", "twelve"), "type-error", id="offset-not-integer"),
    pytest.param("claims.csv", _set("checked_on", "2026-02-30"), "type-error", id="date-not-a-day"),
    pytest.param("claims.csv", _set("quote", ""), "constraint-error", id="required-quote-empty"),
    pytest.param("sources.csv", _set("text_type", "blog post"), "constraint-error", id="text-type-enum"),
    pytest.param("reviews.csv", lambda rows: rows.append(list(rows[1])), "primary-key", id="duplicate-review"),
    pytest.param("evidence_log.csv", lambda rows: rows.append(list(rows[1])), "primary-key", id="duplicate-key"),
])
def test_the_data_package_catches_broken_data(tmp_path, file, edit, expected):
    report = _broken_copy(tmp_path, file, edit)
    assert not report.valid
    errors = report.flatten(["type", "rowNumber", "note"])
    assert any(e[0] == expected for e in errors), errors[:5]


def test_the_data_package_types_come_from_the_schemas():
    """Typed from the pandera checks: integer offsets, dates where a column holds full ISO dates (strings
    with a pattern where a year or month may stand alone), required fields, enums (text_type too),
    primary keys; and a standard library reads typed values."""
    import datetime as dt

    from frictionless import Package

    from stemreport import schemas

    package = json.loads(PACKAGE.read_text(encoding="utf-8"))
    fields = {(r["name"], f["name"]): f for r in package["resources"] for f in r["schema"]["fields"]}
    keys = {r["name"]: r["schema"].get("primaryKey") for r in package["resources"]}
    for table in ("claims", "boilerplate"):
        for column in ("start", "end"):
            assert fields[table, column]["type"] == "integer" and fields[table, column]["constraints"]["minimum"] == 0
    full = [("claims", "checked_on"), ("sources", "stated_date"), ("corrections", "date"), ("events", "date"),
            ("evidence_log", "searched_on"), ("approvals", "approval_date"), ("approvals", "status_date")]
    assert all(fields[f]["type"] == "date" for f in full)
    for partial in (("sources", "first_published"), ("space_flights", "date"), ("marrow_models", "published")):
        assert fields[partial]["type"] == "string" and fields[partial]["constraints"]["pattern"]
    assert fields["sources", "text_type"]["constraints"]["enum"] == \
        schemas.SOURCES.schema.columns["text_type"].checks[0].statistics["values"]
    assert "" not in fields["claims", "verdict"]["constraints"]["enum"]  # empty is a missing value, allowed:
    assert not fields["claims", "verdict"]["constraints"].get("required")  # not yet checked
    assert fields["claims", "quote"]["constraints"]["required"] and fields["claims", "claim_id"]["constraints"]["unique"]
    assert keys == {"sources": ["source"], "claims": ["claim_id"], "boilerplate": None, "ratings": ["source", "criterion"],
                    "approvals": None, "events": ["event_id"], "space_flights": ["flight"], "hsc_routes": ["route"],
                    "marrow_models": ["model"], "reviews": ["claim_id", "reviewer"], "corrections": None,
                    "evidence_log": ["key"]}
    row = next(iter(Package(str(PACKAGE)).get_resource("claims").read_rows()))
    assert isinstance(row["start"], int) and isinstance(row["checked_on"], dt.date)


def test_a_check_the_package_cannot_state_is_an_error():
    """A new check in the schemas without a Data Package counterpart stops the export instead of being
    silently left out of the descriptor."""
    import pandera.pandas as pa

    from stemreport import reuse, schemas

    table = schemas.Table("data/x.csv", "x", pa.DataFrameSchema({"x": pa.Column(None, checks=[
        pa.Check(lambda v: v != "x", element_wise=True, error="is x")])}, name="x"))
    with pytest.raises(ValueError, match="x.csv: x has a check"):
        reuse.table_field(table, "x")


CFF_SCHEMA = ROOT / "tests" / "schemas" / "citation-file-format-1.2.0.json"


def _cff_errors(cff: dict) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft7Validator(json.loads(CFF_SCHEMA.read_text(encoding="utf-8")),
                                           format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(cff)]


def test_citation_file_is_valid_cff_and_agrees_with_the_book():
    """CITATION.cff validates against the CFF 1.2.0 schema, and its title and authors are the book's."""
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert not _cff_errors(cff), _cff_errors(cff)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert cff["title"] == config["title"]
    assert [a.get("name") for a in cff["authors"]] == [config["author"]]


def test_a_broken_citation_file_fails_the_schema():
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    for broken in ({**cff, "authors": [{"nom": "x"}]}, {k: v for k, v in cff.items() if k != "title"},
                   {**cff, "date-released": "2 December 2026"}):
        assert _cff_errors(broken)


def test_bibtex_entry_is_written_from_the_citation_file():
    import yaml
    from stemreport_sphinx.citation import bibtex

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    entry = bibtex(cff)
    assert entry.startswith("@misc{") and entry.rstrip().endswith("}")
    assert f"{{{cff['title']}}}" in entry and f"{{{str(cff['date-released'])[:4]}}}" in entry
    assert "{{" + cff["authors"][0]["name"] + "}}" in entry  # a team name stays one name
    people = bibtex({**cff, "authors": [{"family-names": "Curie", "given-names": "Marie"}, {"name": "A Lab"}]})
    assert "{Curie, Marie and {A Lab}}" in people


@pytest.mark.book
def test_cite_block_in_the_book_is_the_citation_file(built_book):
    """The page's BibTeX is the one written from CITATION.cff (not a copy typed into the page)."""
    import html
    import re

    import yaml
    from stemreport_sphinx.citation import bibtex

    page = (built_book / "html" / "book" / "downloads.html").read_text(encoding="utf-8")
    blocks = [html.unescape(re.sub(r"<[^>]+>", "", b)) for b in re.findall(r"<pre>(.*?)</pre>", page, re.S)]
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert bibtex(cff).strip() in [b.strip() for b in blocks], blocks
