"""Validate every input before anything is built: seeds, data tables, bibliography.

Run as ``python -m stemreport.validate`` (the Makefile does, before each build). Exit status 0 means
every check passed; 1 means at least one problem, each printed as ``file, line N (row id): problem``.
"""
from __future__ import annotations

import functools
import hashlib
import re
import sys
from pathlib import Path

import pandas as pd
import pandera.errors

from stemreport import schemas, vocab
from stemreport.errors import InputError, Problem
from stemreport.paths import WORK, project_root
from stemreport.seeds import check_seeds, load_seed, seed_ids
from stemreport.tabular import read_csv, read_utf8

BIBLIOGRAPHY = "references.bib"
RAW_BIB_FIELDS = {"url", "doi"}  # printed as given; every other field is read as LaTeX


def _row_label(table: schemas.Table, frame: pd.DataFrame, index) -> str | None:
    if table.id_column in frame.columns:
        value = frame.at[index, table.id_column]
        return f"{table.id_column} {value}" if value else None
    return None


# Tables whose exact bytes already passed their schema in this process: (file, schema, sha-256). Schema checks
# are a pure function of the bytes, and a test run validates the same files many times over (every
# bad-input case changes one file of twelve), so a file seen before is not checked again.
_PASSED: set[tuple[str, int, str]] = set()


def load_table(table: schemas.Table, root: Path) -> pd.DataFrame:
    """Read ``table`` strictly and check it against its declared schema (all problems at once)."""
    frame = read_csv(root / table.file, root, table.columns)
    seen = (table.file, id(table.schema), hashlib.sha256((root / table.file).read_bytes()).hexdigest())
    if seen in _PASSED:
        return frame
    try:
        table.schema.validate(frame.drop(columns="csv_line"), lazy=True)
    except pandera.errors.SchemaErrors as err:
        problems = []
        for case in err.failure_cases.itertuples(index=False):
            index = case.index
            column = case.column if isinstance(case.column, str) else None
            if index is None or pd.isna(index):
                problems.append(Problem(table.file, None, None, f"{column or 'table'}: {case.check}"))
                continue
            index = int(index)
            problems.append(Problem(table.file, int(frame.at[index, "csv_line"]), _row_label(table, frame, index),
                                    f"column '{column}' = {case.failure_case!r}: {_check_text(case.check)}"))
        raise InputError(problems) from None
    _PASSED.add(seen)
    return frame


def _check_text(check: str) -> str:
    if check == "field_uniqueness":
        return "duplicate value (must be unique)"
    return check


def _entry_lines(text: str, key: str) -> list[int]:
    """Lines where ``@type{key,`` opens an entry (1-based)."""
    pattern = re.compile(r"@\w+\s*[{(]\s*" + re.escape(key) + r"\s*,")
    return [text[: m.start()].count("\n") + 1 for m in pattern.finditer(text)]


def load_bibliography(root: Path) -> dict[str, dict[str, str]]:
    """Entries of ``references.bib`` as {key: {field: value}}; each must have a DOI or a URL."""
    path = root / BIBLIOGRAPHY
    if not path.is_file():
        raise InputError([Problem(BIBLIOGRAPHY, None, None, "bibliography is missing")])
    text = read_utf8(path, BIBLIOGRAPHY)
    return {key: dict(fields) for key, fields in _parse_bibliography(text).items()}


@functools.lru_cache(maxsize=4)
def _parse_bibliography(text: str) -> dict[str, dict[str, str]]:
    """The checked entries of a bibliography's text; cached, as parsing is a pure function of the text
    and takes most of a validation run (the caller copies the result, so the cache cannot be edited)."""
    from pybtex.database import BibliographyDataError, parse_string
    from pybtex.scanner import PybtexError

    try:
        data = parse_string(text, bib_format="bibtex")
    except BibliographyDataError as err:
        key = str(err).rpartition(": ")[2]
        lines = _entry_lines(text, key)
        where = dict(line=lines[-1], row=f"entry {key}") if len(lines) > 1 else dict(line=None, row=None)
        also = f" (first at line {lines[0]})" if len(lines) > 1 else ""
        raise InputError([Problem(BIBLIOGRAPHY, **where, message=f"cannot be parsed: {err}{also}")]) from None
    except PybtexError as err:
        raise InputError([Problem(BIBLIOGRAPHY, getattr(err, "lineno", None), None, f"cannot be parsed: {err}")]) from None
    entries, problems = {}, []
    for key, entry in data.entries.items():
        fields = {name.lower(): str(value) for name, value in entry.fields.items()}

        def line(key=key):  # looked up only for an entry with a problem (a search per entry was a sixth of a validation run)
            return (_entry_lines(text, key) or [None])[0]

        if not (fields.get("doi") or fields.get("url")):
            problems.append(Problem(BIBLIOGRAPHY, line(), f"entry {key}", "has neither a doi nor a url field"))
        for name, value in fields.items():
            # Fields other than addresses are read as LaTeX when the bibliography is printed, where a bare % starts
            # a comment: "pain in 84% of donors" printed as "pain in 84".
            if name not in RAW_BIB_FIELDS and re.search(r"(?<!\\)%", value):
                problems.append(Problem(BIBLIOGRAPHY, line(), f"entry {key}",
                                        f"field {name} has a bare % (it would hide the rest of the field): write \\%"))
        entries[key] = fields
    if problems:
        raise InputError(problems)
    return entries


def check_spans(frame: pd.DataFrame, file: str, text_column: str, id_of, known_sources: set[str],
                root: Path) -> list[Problem]:
    """``seed[start:end]`` must equal the stored text, for claims and boilerplate alike."""
    problems = []
    for row in frame.itertuples():
        where = dict(file=file, line=row.csv_line, row=id_of(row))
        if row.source not in known_sources:
            problems.append(Problem(**where, message=f"unknown source '{row.source}' (not a seed in data/seeds.sha256)"))
            continue
        seed = load_seed(row.source, root)
        start, end = int(row.start), int(row.end)
        stored = getattr(row, text_column)
        if not 0 <= start < end <= len(seed):
            problems.append(Problem(**where, message=f"offsets [{start}:{end}] are outside the seed (length {len(seed)})"))
        elif seed[start:end] != stored:
            found = seed.find(stored)
            hint = f"; the text occurs at [{found}:{found + len(stored)}]" if found >= 0 else "; the text does not occur in the seed"
            problems.append(Problem(**where, message=f"{text_column} does not match the seed at [{start}:{end}] "
                                                     f"(seed has {seed[start:end][:60]!r}){hint}"))
    return problems


def check_claims(claims: pd.DataFrame, boilerplate: pd.DataFrame, bibliography: dict, sources: list[str],
                 root: Path) -> list[Problem]:
    file = schemas.CLAIMS.file
    problems = check_spans(claims, file, "quote", lambda r: f"claim {r.claim_id}", set(sources), root)
    spans = [(r.source, int(r.start), int(r.end), r.kind) for r in boilerplate.itertuples()]
    fact_check = ["verdict", "explanation", "confidence", "checked_on"]
    for row in claims.itertuples():
        where = dict(file=file, line=row.csv_line, row=f"claim {row.claim_id}")
        if not row.claim_id.startswith(f"S{row.source[:3]}-"):
            problems.append(Problem(**where, message=f"claim_id should start with S{row.source[:3]}- for source {row.source}"))
        for source, start, end, kind in spans:
            if source == row.source and int(row.start) < end and start < int(row.end):
                problems.append(Problem(**where, message=f"quote overlaps boilerplate ({kind}) at [{start}:{end}]"))
        filled = [c for c in fact_check if getattr(row, c)]
        if filled and len(filled) != len(fact_check):
            missing = [c for c in fact_check if not getattr(row, c)]
            problems.append(Problem(**where, message=f"fact-check is incomplete: {', '.join(missing)} empty"))
        related = [t for t in row.related_themes.split(";") if t]
        if row.theme in related or "background" in related:
            problems.append(Problem(**where, message="related_themes must not repeat the main theme or list 'background'"))
        if not row.verdict:
            if row.correction or row.evidence:
                problems.append(Problem(**where, message="a claim not yet checked (empty verdict) cannot have evidence or a correction"))
            continue
        verdict = vocab.VERDICT[row.verdict]
        if verdict.needs_evidence and not row.evidence:
            problems.append(Problem(**where, message=f"verdict '{row.verdict}' needs at least one evidence key"))
        if verdict.needs_correction and not row.correction.strip():
            problems.append(Problem(**where, message=f"verdict '{row.verdict}' needs a correction (one sentence saying what is true)"))
        if not verdict.needs_correction and row.correction.strip():
            problems.append(Problem(**where, message=f"verdict '{row.verdict}' takes no correction (only claims that are not "
                                                     f"supported, opinions aside, get one)"))
    problems += check_keys(claims, schemas.CLAIMS, "evidence", bibliography)
    return problems


def check_reviews(reviews: pd.DataFrame, claims: pd.DataFrame) -> list[Problem]:
    """Two independent verdicts per checked claim; an adjudication with a reason wherever they differ, and
    the ledger's verdict is the agreed or the adjudicated one."""
    file, problems = schemas.REVIEWS.file, []
    ledger = dict(zip(claims["claim_id"], claims["verdict"]))
    seen: dict[tuple[str, str], int] = {}
    for row in reviews.itertuples():
        where = dict(file=file, line=row.csv_line, row=f"claim {row.claim_id}")
        if row.claim_id not in ledger:
            problems.append(Problem(**where, message=f"review of an unknown claim (not in {schemas.CLAIMS.file})"))
            continue
        if (row.claim_id, row.reviewer) in seen:
            problems.append(Problem(**where, message=f"reviewer {row.reviewer} judged this claim twice "
                                                     f"(also line {seen[row.claim_id, row.reviewer]})"))
        seen.setdefault((row.claim_id, row.reviewer), row.csv_line)
        if row.reviewer == "adjudication" and not row.note.strip():
            problems.append(Problem(**where, message="an adjudicated disagreement needs a reason (note is empty)"))
    by_claim: dict[str, dict] = {c: {} for c in ledger}
    for r in reviews.itertuples():
        if r.claim_id in by_claim:
            by_claim[r.claim_id][r.reviewer] = r
    for row in claims.itertuples():
        if not row.verdict:
            continue
        where = dict(file=file, line=None, row=f"claim {row.claim_id}")
        got = by_claim[row.claim_id]
        missing = [r for r in ("A", "B") if r not in got]
        if missing:
            problems.append(Problem(**where, message=f"needs two reviews (A and B); missing {', '.join(missing)}"))
            continue
        a, b = got["A"].verdict, got["B"].verdict
        if a != b and "adjudication" not in got:
            problems.append(Problem(**{**where, "line": got["B"].csv_line},
                                    message=f"reviewers disagree ({a} / {b}) and there is no adjudication row with a reason"))
            continue
        final = got["adjudication"].verdict if "adjudication" in got else a
        if final != row.verdict:
            problems.append(Problem(schemas.CLAIMS.file, row.csv_line, f"claim {row.claim_id}",
                                    f"verdict '{row.verdict}' differs from the reviewed verdict '{final}' in {file}"))
    return problems


def check_corrections(corrections: pd.DataFrame, claims: pd.DataFrame) -> list[Problem]:
    """Every logged change names a current claim, or a retired id that is no longer in the ledger."""
    file, problems = schemas.CORRECTIONS.file, []
    current = set(claims["claim_id"])
    retired = set(corrections.loc[corrections["change"] == "retired", "claim_id"])
    for row in corrections.itertuples():
        where = dict(file=file, line=row.csv_line, row=f"claim {row.claim_id}")
        if row.change == "retired" and row.claim_id in current:
            problems.append(Problem(**where, message="a retired id must not be reused in the ledger"))
        elif row.change != "retired" and row.claim_id not in current and row.claim_id not in retired:
            problems.append(Problem(**where, message=f"unknown claim (not in {schemas.CLAIMS.file} and not retired)"))
        if row.change == "split":
            for new in filter(None, (c.strip() for c in row.new_value.split(";"))):
                if new not in current:
                    problems.append(Problem(**where, message=f"split into '{new}', which is not in {schemas.CLAIMS.file}"))
    return problems


def check_bibliography_uniqueness(bibliography: dict, text: str) -> list[Problem]:
    """One key per work: two entries with the same DOI or URL are the same work cited twice."""
    problems, seen = [], {}
    for key, fields in bibliography.items():
        for field in ("doi", "url"):
            value = fields.get(field, "").strip().lower().rstrip("/")
            if not value:
                continue
            if (field, value) in seen:
                line = (_entry_lines(text, key) or [None])[0]
                problems.append(Problem(BIBLIOGRAPHY, line, f"entry {key}",
                                        f"same {field} as entry {seen[field, value]}; merge them into one key"))
            seen.setdefault((field, value), key)
    return problems


def check_evidence_log(log: pd.DataFrame, bibliography: dict) -> list[Problem]:
    """Every bibliography key can be found again: it has a row in the evidence log, and vice versa."""
    file = schemas.EVIDENCE_LOG.file
    logged = set(log["key"])
    problems = [Problem(file, row.csv_line, f"key {row.key}", f"not an entry of {BIBLIOGRAPHY}")
                for row in log.itertuples() if row.key not in bibliography]
    problems += [Problem(BIBLIOGRAPHY, None, f"entry {key}", f"missing from {file} (how it was found again)")
                 for key in bibliography if key not in logged]
    return problems


def check_confidence(claims: pd.DataFrame, log: pd.DataFrame) -> list[Problem]:
    """A verdict held with high confidence rests on at least one first-hand source (vocab.FIRST_HAND), as
    the method page promises; claims that are not checkable (opinions) are exempt: their confidence is
    about the reading, not a fact."""
    quality = dict(zip(log["key"], log["quality"]))
    problems = []
    for row in claims.itertuples():
        if row.confidence != "high" or not row.verdict or not vocab.verdict(row.verdict).checkable:
            continue
        keys = [k.strip() for k in row.evidence.split(";") if k.strip()]
        if not any(quality.get(k) in vocab.FIRST_HAND for k in keys):
            grades = ", ".join(f"{k} ({quality.get(k, 'not logged')})" for k in keys) or "none"
            problems.append(Problem(schemas.CLAIMS.file, row.csv_line, f"claim {row.claim_id}",
                                    f"confidence 'high' needs a first-hand source ({', '.join(vocab.FIRST_HAND)}); "
                                    f"its evidence is {grades}"))
    return problems


def _where(table: schemas.Table, row) -> dict:
    return dict(file=table.file, line=row.csv_line, row=f"{table.id_column} {getattr(row, table.id_column)}")


def check_keys(frame: pd.DataFrame, table: schemas.Table, column: str, bibliography: dict) -> list[Problem]:
    """Every ';'-separated key in ``column`` must be an entry of references.bib."""
    return [Problem(**_where(table, row), message=f"{column} key '{key}' is not in {BIBLIOGRAPHY}")
            for row in frame.itertuples() for key in filter(None, getattr(row, column).split(";"))
            if key not in bibliography]


def check_known_sources(frame: pd.DataFrame, table: schemas.Table, sources: set[str]) -> list[Problem]:
    return [Problem(**_where(table, row), message=f"unknown source '{row.source}'")
            for row in frame.itertuples() if row.source not in sources]


def check_claim_links(frame: pd.DataFrame, table: schemas.Table, claim_ids: set[str]) -> list[Problem]:
    """Reference tables name the ledger claims each row bears on; every one must exist."""
    return [Problem(**_where(table, row), message=f"claim '{claim}' is not in {schemas.CLAIMS.file}")
            for row in frame.itertuples() for claim in filter(None, row.claims.split(";")) if claim not in claim_ids]


def check_ratings(ratings: pd.DataFrame, sources: list[str]) -> list[Problem]:
    """Each source is rated exactly once on each of the 14 criteria."""
    file, problems = schemas.RATINGS_TABLE.file, []
    seen: dict[tuple[str, str], int] = {}
    for row in ratings.itertuples():
        if row.source not in sources:
            problems.append(Problem(file, row.csv_line, f"criterion {row.criterion}", f"unknown source '{row.source}'"))
        if (row.source, row.criterion) in seen:
            problems.append(Problem(file, row.csv_line, f"criterion {row.criterion}",
                                    f"{row.source} is rated on this criterion twice (also line {seen[row.source, row.criterion]})"))
        seen.setdefault((row.source, row.criterion), row.csv_line)
    for source in sources:
        missing = [c for c in schemas.RATING_CRITERIA if (source, c) not in seen]
        if missing and len(missing) < len(schemas.RATING_CRITERIA):  # not rated at all is allowed (a new source)
            problems.append(Problem(file, None, None, f"source {source} is not rated on: {', '.join(missing)}"))
    return problems


def validate_all(root: Path | None = None) -> dict[str, pd.DataFrame]:
    """Run every check; return the loaded tables, or raise ``InputError`` listing all problems."""
    root = root or project_root()
    problems = check_seeds(root)
    if problems:
        raise InputError(problems)
    sources = seed_ids(root)
    tables, problems = {}, []
    for table in schemas.TABLES:
        try:
            tables[table.file] = load_table(table, root)
        except InputError as err:
            problems.extend(err.problems)
    try:
        bibliography = load_bibliography(root)
    except InputError as err:
        problems.extend(err.problems)
        bibliography = None
    if problems:
        raise InputError(problems)
    source_table = tables[schemas.SOURCES.file]
    for row in source_table.itertuples():
        if row.source not in sources:
            problems.append(Problem(schemas.SOURCES.file, row.csv_line, f"source {row.source}", "not a seed in data/seeds.sha256"))
    for source in sources:
        if source not in set(source_table["source"]):
            problems.append(Problem(schemas.SOURCES.file, None, None, f"source {source} has no metadata row"))
    boilerplate = tables[schemas.BOILERPLATE.file]
    problems += check_spans(boilerplate, schemas.BOILERPLATE.file, "text",
                            lambda r: f"{r.source}[{r.start}:{r.end}]", set(sources), root)
    claims = tables[schemas.CLAIMS.file]
    problems += check_claims(claims, boilerplate, bibliography, sources, root)
    problems += check_reviews(tables[schemas.REVIEWS.file], claims)
    problems += check_corrections(tables[schemas.CORRECTIONS.file], claims)
    problems += check_bibliography_uniqueness(bibliography, read_utf8(root / BIBLIOGRAPHY, BIBLIOGRAPHY))
    problems += check_evidence_log(tables[schemas.EVIDENCE_LOG.file], bibliography)
    problems += check_confidence(claims, tables[schemas.EVIDENCE_LOG.file])
    problems += check_keys(source_table, schemas.SOURCES, "primary_keys", bibliography)
    problems += check_ratings(tables[schemas.RATINGS_TABLE.file], sources)
    for table in (schemas.APPROVALS, schemas.EVENTS, *schemas.REFERENCE_TABLES):
        problems += check_keys(tables[table.file], table, "evidence", bibliography)
    for table in (schemas.EVENTS, schemas.HSC_ROUTES):
        problems += check_known_sources(tables[table.file], table, set(sources))
    claim_ids = set(tables[schemas.CLAIMS.file]["claim_id"])
    for table in schemas.REFERENCE_TABLES:
        problems += check_claim_links(tables[table.file], table, claim_ids)
    if problems:
        raise InputError(problems)
    tables[BIBLIOGRAPHY] = bibliography
    return tables


# ------------------------------------------------------------------------------ validated snapshot
# Every notebook's kernel (eighteen a build, eighteen more for nbval) and each Sphinx build validates the same
# files before it renders anything: about 0.4 processor-seconds each, most of a small notebook's run. The
# build's validation step (``main``) therefore leaves what it validated in the build's work area, under a key made of
# every byte validation reads, the package's own code and the libraries' versions; ``validated_tables``
# returns that snapshot only while the key still matches, and validates afresh (and stores) otherwise.
# A changed, added or removed input file, or any edit to this package, changes the key: nothing renders from
# input that did not pass these checks as it is now.
SNAPSHOT = WORK / "validated-inputs.pickle"
_INPUT_FOLDERS = ("data", "seeds")


def inputs_key(root: Path) -> str:
    """SHA-256 of what ``validate_all`` reads (data/, seeds/, the bibliography), of this package's code and
    of the versions of Python and of the libraries that parse and check it."""
    import numpy
    import pybtex

    digest = hashlib.sha256()
    files = [(f"{name}/{p.relative_to(root / name).as_posix()}", p) for name in _INPUT_FOLDERS
             for p in sorted((root / name).rglob("*")) if p.is_file()]
    files.append((BIBLIOGRAPHY, root / BIBLIOGRAPHY))
    files += [(f"stemreport/{p.name}", p) for p in sorted(Path(__file__).parent.glob("*.py"))]
    for name, path in files:
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
        digest.update(b"\0")
    versions = (sys.version, pd.__version__, pandera.__version__, numpy.__version__,
                getattr(pybtex, "__version__", ""))
    digest.update(repr(versions).encode())
    return digest.hexdigest()


def store_snapshot(root: Path, tables: dict, key: str) -> None:
    """Write the snapshot atomically (kernels running side by side may store the same one at once)."""
    import os
    import pickle
    import tempfile

    path = root / SNAPSHOT
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix="validated-", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump((key, tables), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:  # a read-only checkout still renders; it only validates every time
        pass


def validated_tables(root: Path) -> dict:
    """``validate_all(root)``'s tables: from the snapshot when it was made from exactly these inputs and this
    code, else validated now (and stored). Raises ``InputError`` as ``validate_all`` does."""
    import pickle

    key = inputs_key(root)
    try:
        with open(root / SNAPSHOT, "rb") as handle:
            stored_key, tables = pickle.load(handle)
        if stored_key == key and isinstance(tables, dict):
            return tables
    except Exception:  # noqa: BLE001 (missing, half-written by an older version, unreadable: validate instead)
        pass
    tables = validate_all(root)
    store_snapshot(root, tables, key)
    return tables


def main(argv: list[str] | None = None) -> int:
    """The build's gate: validates every input in full (never from the snapshot) and stores the snapshot."""
    root = Path(argv[0]).resolve() if argv else project_root()
    try:
        key = inputs_key(root)
        tables = validate_all(root)
    except InputError as err:
        print(f"Input validation failed ({len(err.problems)} problem(s)):", file=sys.stderr)
        for problem in err.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    store_snapshot(root, tables, key)
    claims = tables[schemas.CLAIMS.file]
    print(f"Inputs valid: {len(seed_ids(root))} seeds match their checksums, {len(claims)} claims, "
          f"{len(tables[BIBLIOGRAPHY])} bibliography entries.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
