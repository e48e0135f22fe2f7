"""Every ClaimReview, as a JSON-LD processor reads it: expanded by PyLD against the vendored schema.org
12.0 context (no network), every type and property is a schema.org term, and every ``@id`` and ``url``
lands on a built page that has the claim's anchor. The reviews embedded in a story's page are that
story's ledger rows, the same records as the download, addressed relative to the page."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest
from conftest import ROOT

SCHEMAS = ROOT / "tests" / "schemas" / "schemaorg-12.0"
CONTEXT = json.loads((SCHEMAS / "schemaorgcontext.jsonld").read_text(encoding="utf-8"))
TERMS = {kind: {line.split(" ", 1)[1].removeprefix("https://schema.org/")
                for line in (SCHEMAS / "terms.txt").read_text(encoding="utf-8").splitlines()
                if line.startswith(kind + " ")} for kind in ("type", "property")}
BASE = "https://book.invalid/"  # a stand-in for html_baseurl: relative addresses resolve against it
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _loader(url, options=None):
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contextUrl": None, "documentUrl": url, "document": CONTEXT}
    raise AssertionError(f"the JSON-LD asks for a context we do not vendor: {url}")


def expand(document, base: str) -> list:
    from pyld import jsonld

    return jsonld.expand(document, {"base": base, "documentLoader": _loader})


def unknown_terms(expanded) -> list[str]:
    """Types and properties of an expanded document that are not schema.org 12.0 terms."""
    found = []

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@type":  # a node's types (a list), or a value's datatype (a string, e.g. schema:Date)
                    types = [value] if isinstance(value, str) else value
                    found.extend(f"type {t}" for t in types if _term(t) not in TERMS["type"])
                elif not key.startswith("@"):
                    if _term(key) not in TERMS["property"]:
                        found.append(f"property {key}")
                    walk(value)
    walk(expanded)
    return found


def _term(iri: str) -> str | None:
    for prefix in ("http://schema.org/", "https://schema.org/"):
        if iri.startswith(prefix):
            return iri.removeprefix(prefix)
    return None


def addresses(expanded) -> list[str]:
    """Each review's @id and url (the top-level ClaimReview nodes)."""
    out = []
    for node in expanded:
        out.append(node["@id"])
        out.extend(v["@id"] for v in node.get("http://schema.org/url", []))
    return out


def _lands(built_html: Path, address: str) -> str | None:
    page, anchor = urldefrag(address)
    if not page.startswith(BASE):
        return f"{address}: outside the book"
    path = built_html / page.removeprefix(BASE)
    if not path.is_file():
        return f"{address}: no page {path.relative_to(built_html)}"
    if not anchor or f'id="{anchor}"' not in path.read_text(encoding="utf-8"):
        return f"{address}: no anchor #{anchor} on {path.name}"
    return None


def test_vocabulary_check_catches_a_misspelt_property():
    """The check can fail: a typo expands (under @vocab) to a term schema.org does not have."""
    record = {"@context": "https://schema.org", "@type": "ClaimReview", "claimReviewd": "x",
              "reviewRating": {"@type": "Ratting", "ratingValue": 1}}
    assert sorted(unknown_terms(expand(record, BASE))) == ["property http://schema.org/claimReviewd",
                                                           "type http://schema.org/Ratting"]


def test_downloaded_claim_reviews_use_only_schema_org_terms():
    """Schema.org terms only; every rating has its phrase, and a numeric value on the documented scale
    exactly when its verdict has one (opinions and unverifiable claims are not scored)."""
    from stemreport import vocab

    document = json.loads((ROOT / "data" / "claimreview.jsonld").read_text(encoding="utf-8"))
    with open(ROOT / "data" / "claims.csv", encoding="utf-8", newline="") as handle:
        verdicts = {row["claim_id"]: vocab.verdict(row["verdict"]) for row in csv.DictReader(handle) if row["verdict"]}
    expanded = expand(document, BASE)
    assert len(expanded) == len(document) == len(verdicts)
    assert not unknown_terms(expanded), sorted(set(unknown_terms(expanded)))
    for node in expanded:
        assert node["@type"] == ["http://schema.org/ClaimReview"]
        claim = node["http://schema.org/identifier"][0]["@value"]
        rating = node["http://schema.org/reviewRating"][0]
        assert rating["http://schema.org/alternateName"][0]["@value"] == verdicts[claim].rating_name
        value = rating.get("http://schema.org/ratingValue", [{}])[0].get("@value")
        assert value == verdicts[claim].rating_value, claim
        if value is not None:
            worst = rating["http://schema.org/worstRating"][0]["@value"]
            best = rating["http://schema.org/bestRating"][0]["@value"]
            assert worst <= value <= best, claim


@pytest.mark.book
def test_downloaded_addresses_land_on_the_claims_cards(built_book):
    """With no html_baseurl, the download's addresses are relative to the book's root (the data dictionary
    says so): read where the book serves the file, a JSON-LD processor keeps them as written instead of
    resolving them against the file's location, and joined to the book's root each lands on its card."""
    document = json.loads((ROOT / "data" / "claimreview.jsonld").read_text(encoding="utf-8"))
    served = sorted((built_book / "html" / "_downloads").rglob("claimreview.jsonld"))
    assert served and json.loads(served[0].read_text(encoding="utf-8")) == document
    found = addresses(expand(document, BASE + served[0].relative_to(built_book / "html").as_posix()))
    assert found == [a for r in document for a in (r["@id"], r["url"])]  # kept as written, not resolved there
    for wrong in ("notebooks/source_000.html#S000-99", "notebooks/notebooks/source_000.html#S000-01", "x.html"):
        assert _lands(built_book / "html", BASE + wrong), wrong  # the check does fail on a wrong address
    problems = [p for p in (_lands(built_book / "html", urljoin(BASE, a)) for a in found) if p]
    assert not problems, "\n".join(problems[:10])


def test_addresses_follow_html_baseurl(data_copy, monkeypatch):
    """Both files' addresses, read by a JSON-LD processor from wherever the file sits: without a base
    URL they stay relative to the book's root ("@base": null; the data dictionary says so); with
    html_baseurl set in the config (a copy) they are absolute, base + page + #claim, embedded ones too."""
    from stemreport_tools import export
    from test_reuse import ANNO
    from test_reuse import _expand as expand_annotations

    from stemreport import claimreview, data

    monkeypatch.setenv("STEMREPORT_ROOT", str(data_copy))
    elsewhere = "https://mirror.invalid/some/folder/file.jsonld"  # wherever a reader found the file
    source_of = dict(zip(data.claims()["claim_id"], data.claims()["source"]))
    as_stream = "http://www.w3.org/ns/activitystreams#"

    def read():
        reviews = json.loads((data_copy / "data/claimreview.jsonld").read_text(encoding="utf-8"))
        annotations = json.loads((data_copy / "data/claims.annotations.jsonld").read_text(encoding="utf-8"))
        items = expand_annotations(annotations, elsewhere)[0][as_stream + "first"][0][as_stream + "items"][0]["@list"]
        return reviews, annotations, addresses(expand(reviews, elsewhere)), [i["@id"] for i in items]

    def cards(reviews, prefix: str) -> list[str]:  # each review's @id and url, as they should read
        return [f"{prefix}notebooks/source_{source_of[r['identifier']][:3]}.html#{r['identifier']}"
                for r in reviews for _ in ("@id", "url")]

    reviews, annotations, found, annotation_ids = read()
    assert all(r["@context"] == ["https://schema.org", {"@base": None}] for r in reviews)
    assert annotations["@context"] == [ANNO, {"@base": None}]
    assert found == cards(reviews, "")  # relative, as written: not resolved against the file's location
    assert annotation_ids == [i["id"] for i in annotations["first"]["items"]] == cards(reviews, "")[::2]
    assert "relative to the book's root" in (data_copy / "data/README.md").read_text(encoding="utf-8")

    base = "https://example.org/stem-report/"
    config = data_copy / "_config.yml"
    text = config.read_text(encoding="utf-8")
    assert '    html_baseurl: ""\n' in text
    config.write_text(text.replace('    html_baseurl: ""\n', f'    html_baseurl: "{base}"\n'), encoding="utf-8")
    assert set(export.stale_outputs(data_copy)) == {"data/claimreview.jsonld", "data/claims.annotations.jsonld",
                                                    "data/README.md"}  # the build would refuse them now
    export.write_outputs(data_copy)
    reviews, annotations, found, annotation_ids = read()
    assert all(r["@context"] == "https://schema.org" for r in reviews) and annotations["@context"] == ANNO
    assert found == cards(reviews, base)
    assert annotation_ids == [i["id"] for i in annotations["first"]["items"]] == cards(reviews, base)[::2]
    assert f"`{base}`" in (data_copy / "data/README.md").read_text(encoding="utf-8")
    source = source_of[reviews[0]["identifier"]]
    embedded = claimreview.reviews(source, base_url=base)
    assert [a for r in embedded for a in (r["@id"], r["url"])] == cards(embedded, base)


@pytest.mark.book
def test_embedded_reviews_are_the_pages_ledger_rows_and_land_on_its_cards(built_book):
    with open(ROOT / "data" / "claims.csv", encoding="utf-8", newline="") as handle:
        by_source: dict[str, set[str]] = {}
        for row in csv.DictReader(handle):
            if row["verdict"]:  # a claim not yet checked has no review
                by_source.setdefault(row["source"], set()).add(row["claim_id"])
    download = {r["identifier"]: r for r in json.loads((ROOT / "data" / "claimreview.jsonld").read_text("utf-8"))}
    html_root = built_book / "html"
    pages = sorted((html_root / "notebooks").glob("source_*.html"))
    assert len(pages) == len(by_source)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        records = [r for block in SCRIPT.findall(html) for r in json.loads(block.replace("<\\/", "</"))]
        source = next(s for s in by_source if s.startswith(page.stem.removeprefix("source_")))
        assert {r["identifier"] for r in records} == by_source[source], page.name
        for record in records:  # the same review as the download, addressed relative to this page
            assert record["@context"] == "https://schema.org"  # the page is the base: no "@base": null here
            strip = {k: v for k, v in record.items() if k not in ("@id", "url", "@context")}
            assert strip == {k: v for k, v in download[record["identifier"]].items() if k not in ("@id", "url", "@context")}
        url = BASE + page.relative_to(html_root).as_posix()
        expanded = expand(records, url)
        assert not unknown_terms(expanded), (page.name, sorted(set(unknown_terms(expanded))))
        problems = [p for p in (_lands(html_root, a) for a in addresses(expanded)) if p]
        assert not problems, "\n".join(problems[:10])
