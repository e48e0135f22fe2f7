"""Build the book (HTML and PDF) without ever losing the last good one.

Steps: validate every input and check that the generated data files are current (``stemreport_tools.export``);
if nothing the book is made from changed since the last successful build
(see ``book_fingerprint``), say so and keep the current book; otherwise execute stale notebooks in
parallel into the notebook cache (``stemreport.execution``), build HTML and PDF side by side into
``_build/.work`` and ``_build/.work/print`` (persistent work areas, so Sphinx, the notebook cache and
latexmk make rebuilds incremental) and,
only if both succeed, swap the results into ``_build/html`` and ``_build/pdf/book.pdf``. Any failure
exits non-zero and leaves the published outputs exactly as they were.

Reproducible: ``SOURCE_DATE_EPOCH`` is pinned (see ``source_date_epoch``), so the title-page date and
the PDF's dates and /ID depend on the inputs, not on the clock.

    python -m stemreport_tools.build [--html-only] [--force]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from stemreport.paths import WORK, project_root
from stemreport.validate import main as validate_main

# The work areas (relative to the project root): the HTML build's, and inside it the print build's.
PRINT_WORK = WORK / "print"
LATEX_DIR = PRINT_WORK / "_build" / "latex"  # where LaTeX runs: book.tex, book.log, book.pdf

STRICT = ["-W", "-n", "--keep-going"]  # warnings are errors; every reference must resolve
# Never read by the book: version control, environments, build outputs and caches, tests and CI. Every
# hidden folder is left out too (.git, .venv, and the caches tools write beside the sources: ruff's, the
# linter `make test` runs before building, changed on every run and forced a full re-render each time).
# Everything else under the root counts as a build input (over-including only costs a rebuild).
NOT_INPUTS = {"_build", "__pycache__"}
NOT_INPUTS_AT_ROOT = {"tests", ".ci"}


def inputs_fingerprint(root: Path) -> str:
    """Hash of everything notebooks read besides their own code: data, seeds, bibliography, report library.

    jupyter-cache keys a notebook on its code alone, and Sphinx re-reads a page only when its file
    changes; when the data changes instead, both must be told, or the book would show stale outputs.
    """
    digest = hashlib.sha256()
    files = [root / "references.bib", *sorted((root / "data").rglob("*")), *sorted((root / "seeds").rglob("*")),
             *sorted((root / "src" / "stemreport").rglob("*.py"))]  # the library only: tools and the extension do not count
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _files_hash(root: Path, names: list[str]) -> str:
    digest = hashlib.sha256()
    for name in names:
        path = root / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def input_files(root: Path) -> list[Path]:
    """Every file the book may be built from: config, toc, book/, notebooks/, data, seeds, bib, package, static."""
    found = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in NOT_INPUTS and not d.startswith(".") and not d.endswith(".egg-info")
                         and not (here == root and d in NOT_INPUTS_AT_ROOT))
        found += [here / name for name in sorted(files)]
    return found


def _environment() -> str:
    """The Python and the installed distributions (names and versions): a new pin is a new build."""
    names = set()
    for folder in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        if os.path.isdir(folder):
            names.update(n for n in os.listdir(folder) if n.endswith(".dist-info"))
    return sys.version + "\n" + "\n".join(sorted(names))


def book_fingerprint(root: Path, epoch: str) -> str:
    """Hash of every build input (``input_files``), the environment and the pinned date."""
    digest = hashlib.sha256(f"epoch {epoch}\n{_environment()}\n".encode())
    for path in input_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def source_date_epoch(root: Path) -> str:
    """The date the book is stamped with: ``$SOURCE_DATE_EPOCH`` if set, else the time of the last commit
    that touched a build input, else (no git) the start of today, UTC. Never the time of the build."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return os.environ["SOURCE_DATE_EPOCH"]
    excluded = [f":(exclude){name}" for name in sorted(NOT_INPUTS_AT_ROOT)]
    try:
        result = subprocess.run(["git", "log", "-1", "--format=%ct", "--", ".", *excluded], cwd=root,
                                capture_output=True, text=True, timeout=30)
        if result.returncode == 0 and result.stdout.strip().isdigit():
            return result.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return str(int(time.time()) // 86400 * 86400)


def build_env(epoch: str) -> dict[str, str]:
    # SOURCE_DATE_EPOCH: Sphinx's date, xdvipdfmx's /CreationDate, /ModDate and /ID;
    # FORCE_SOURCE_DATE: TeX's own \today and \time as well.
    return dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1", SOURCE_DATE_EPOCH=epoch, FORCE_SOURCE_DATE="1",
                # Sphinx's LaTeX Makefile runs latexmk with this: XeTeX writes XDV on each of its passes and
                # xdvipdfmx makes the PDF once at the end (as the Makefile's own comment advises), instead of
                # making a PDF on every pass.
                LATEXMKOPTS="-xelatex")


class _JupyterBook:
    """One ``jupyter-book build`` with ``builder`` into the work area ``work``, started at once.

    The HTML and the print builds run side by side (two cores): each has a work area of its own (its own
    Sphinx environment and outputs) and reads the same notebook cache. So that the two never interleave on
    the terminal, a build given a ``log`` writes there, and its tail is shown if it fails."""

    def __init__(self, root: Path, builder: str, work: Path, rebuild_all: bool, env: dict[str, str],
                 log: Path | None = None):
        self.builder, self.log = builder, log
        command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(root),
                   "--path-output", str(work), "--builder", builder, *STRICT, *(["--all"] if rebuild_all else [])]
        print(f"[build] {builder}: {' '.join(command[1:])}" + (f" (output in {log})" if log else ""), flush=True)
        self.started = time.monotonic()
        output = None
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            output = open(log, "w", encoding="utf-8")  # noqa: SIM115 (closed in wait)
        self.output = output
        self.process = subprocess.Popen(command, cwd=root, env=env, stdout=output,
                                        stderr=subprocess.STDOUT if output else None)

    def wait(self) -> int:
        code = self.process.wait()
        if self.output is not None:
            self.output.close()
            if code != 0:
                tail = self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-200:]
                print("\n".join(tail), file=sys.stderr)
        if code == 0:
            print(f"[build] {self.builder} done in {time.monotonic() - self.started:.1f} s", flush=True)
        else:
            print(f"[build] the {self.builder} build failed (exit {code})", file=sys.stderr, flush=True)
        return code

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()
        if self.output is not None:
            self.output.close()


def _forget_pdf_of_other_date(latex: Path, epoch: str) -> None:
    """latexmk reruns XeTeX only when a source file changed; the PDF's dates and /ID come from
    SOURCE_DATE_EPOCH instead, so a PDF made under another date is removed to be made again."""
    record = latex / "source-date-epoch.txt"
    if record.is_file() and record.read_text() == epoch:
        return
    for name in ("book.pdf", "book.xdv", "book.fdb_latexmk"):
        (latex / name).unlink(missing_ok=True)
    latex.mkdir(parents=True, exist_ok=True)
    record.write_text(epoch)


def write_data_zip(root: Path, target: Path) -> None:
    """The data and their descriptors in one archive for the downloads page (fixed timestamps: same
    data, same bytes)."""
    import zipfile

    # Hidden files are no data (an interrupted export's temporary file, an editor's swap file).
    files = sorted(p for p in (root / "data").iterdir() if p.is_file() and not p.name.startswith(".")) \
        + [root / "references.bib", root / "LICENSE"]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"stemreport-data/{path.relative_to(root).as_posix()}", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def _tree_hash(path: Path) -> str | None:
    """Hash of a published output (a file, or a folder's files), so a deleted or edited book is rebuilt."""
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if not path.is_dir():
        return None
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


class Published:
    """What ``_build/html`` and ``_build/pdf/book.pdf`` were built from, kept beside the work area."""

    def __init__(self, root: Path):
        self.targets = {"html": root / "_build" / "html", "pdf": root / "_build" / "pdf" / "book.pdf"}
        self.stamp = root / WORK / "published.json"

    def _read(self) -> dict:
        try:
            return json.loads(self.stamp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def current(self, outputs: list[str], fingerprint: str) -> bool:
        stamps = self._read()
        return all(stamps.get(o, {}).get("inputs") == fingerprint
                   and stamps[o].get("output") == _tree_hash(self.targets[o]) for o in outputs)

    def forget(self, output: str) -> None:
        stamps = self._read()
        if stamps.pop(output, None) is not None:
            self._write(stamps)

    def record(self, output: str, fingerprint: str) -> None:
        stamps = self._read()
        stamps[output] = {"inputs": fingerprint, "output": _tree_hash(self.targets[output])}
        self._write(stamps)

    def _write(self, stamps: dict) -> None:
        self.stamp.parent.mkdir(parents=True, exist_ok=True)
        staging = self.stamp.with_name(self.stamp.name + ".new")
        staging.write_text(json.dumps(stamps, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(staging, self.stamp)


def _swap_dir(new: Path, target: Path) -> None:
    staging = target.with_name(target.name + ".new")
    old = target.with_name(target.name + ".old")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    shutil.copytree(new, staging)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _swap_file(new: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".new")
    shutil.copy2(new, staging)
    os.replace(staging, target)


def book_is_current(root: Path, outputs: tuple[str, ...] = ("html", "pdf")) -> bool:
    """Whether ``main`` would find nothing to do: valid inputs (the validated snapshot serves while every
    byte is the same), no stale generated data file, and ``outputs`` published from exactly these inputs.
    Builds and prints nothing; the tests ask it in-process before they start a build (a build's own
    process costs a second of start-up in each test worker)."""
    from stemreport.errors import InputError
    from stemreport.validate import validated_tables
    from stemreport_tools.export import stale_outputs

    try:
        validated_tables(root)
    except InputError:
        return False
    if stale_outputs(root):
        return False
    return Published(root).current(list(outputs), book_fingerprint(root, source_date_epoch(root)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html-only", action="store_true", help="skip the PDF (quick previews)")
    parser.add_argument("--force", action="store_true", help="build even if no input changed")
    args = parser.parse_args(argv)
    root = project_root()
    if validate_main([str(root)]) != 0:
        print("[build] stopped before building: fix the input problems above. "
              "The previous book is untouched.", file=sys.stderr)
        return 1
    # The book publishes the generated data files (downloads, data dictionary, data zip): never stale ones.
    # The build only reports them; it never writes into data/ (`make exports` and `make notebooks` do).
    from stemreport_tools.export import stale_message, stale_outputs

    stale_exports = stale_outputs(root)
    if stale_exports:
        for name in stale_exports:
            print(f"[build] {stale_message(name)}", file=sys.stderr)
        print("[build] stopped before building: the book would publish stale data files. "
              "The previous book is untouched.", file=sys.stderr)
        return 1
    outputs = ["html"] if args.html_only else ["html", "pdf"]
    epoch = source_date_epoch(root)
    fingerprint = book_fingerprint(root, epoch)
    published = Published(root)
    if not args.force and published.current(outputs, fingerprint):
        print(f"[build] nothing changed since the last build (inputs fingerprint {fingerprint[:12]}): "
              f"keeping the current book in _build/{' and _build/'.join(o if o == 'html' else 'pdf/book.pdf' for o in outputs)}")
        return 0
    work = root / WORK
    built = work / "_build"
    print_work = root / PRINT_WORK  # the print build's own work area (see _JupyterBook)
    print_built = print_work / "_build"
    # The notebook cache is shared by both builds: it is emptied when the data, seeds or package changed.
    stamp = work / "inputs.sha256"
    data_fingerprint = inputs_fingerprint(root)
    if not stamp.is_file() or stamp.read_text() != data_fingerprint:
        print("[build] data, seeds or package changed since the last build: re-executing all notebooks", flush=True)
        shutil.rmtree(root / "_build" / ".jupyter_cache", ignore_errors=True)
        stamp.unlink(missing_ok=True)
    from stemreport_tools.toc import toc_docnames

    # Each work area records what it was last built from. Sphinx re-writes only the pages whose sources
    # changed, so an area rebuilds every page when the data (the notebooks' outputs), the extension, the
    # static files, the vendored libraries or the configuration changed; and Sphinx never deletes the page of
    # a document that left the toc, so when the list of documents changes the area's outputs start afresh.
    current = {"inputs": data_fingerprint, "docs": toc_docnames(root),
               "site": _files_hash(root, ["_ext", "_static", "vendor", "_config.yml", "_toc.yml"])}
    areas = {"html": work} if args.html_only else {"html": work, "pdflatex": print_work}
    stale = {}
    for builder, area in areas.items():
        record = area / "built-from.json"
        last = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else {}
        if last.get("docs") != current["docs"]:
            for output in ("html", "latex", "jupyter_execute"):
                shutil.rmtree(area / "_build" / output, ignore_errors=True)
        stale[builder] = last != current
        record.unlink(missing_ok=True)  # until this build succeeds
    env = build_env(epoch)
    from stemreport_tools.execution import NotebookFailed, execute_stale
    try:
        execute_stale(root)
    except NotebookFailed as err:
        print(f"{err}\n[build] a notebook failed; the previous book in _build/html and _build/pdf is untouched",
              file=sys.stderr)
        return 1
    builds = [_JupyterBook(root, "html", work, rebuild_all=stale["html"], env=env)]
    if not args.html_only:
        _forget_pdf_of_other_date(print_built / "latex", epoch)
        builds.append(_JupyterBook(root, "pdflatex", print_work, rebuild_all=stale["pdflatex"], env=env,
                                   log=print_work / "pdflatex.log"))
    failed = []
    try:
        for build in builds:  # the first failure stops the other build: the answer is already no
            if build.wait() != 0:
                failed.append(build.builder)
                break
    finally:
        for build in builds:
            build.stop()
    if failed:
        raise SystemExit(f"[build] the {' and '.join(failed)} build failed; "
                         f"the previous book in _build/html and _build/pdf is untouched")
    if not args.html_only:
        pdf = print_built / "latex" / "book.pdf"
        if not pdf.is_file():
            raise SystemExit(f"[build] LaTeX reported success but {pdf} is missing; previous book untouched")
    stamp.write_text(data_fingerprint)
    for area in areas.values():
        (area / "built-from.json").write_text(json.dumps(current), encoding="utf-8")
    # The HTML links to the typeset book (``book.pdf`` at its root): publish the new PDF beside it, or, for an
    # HTML-only preview, the last good one.
    pdf_source = print_built / "latex" / "book.pdf" if not args.html_only else root / "_build" / "pdf" / "book.pdf"
    if pdf_source.is_file():
        shutil.copy2(pdf_source, built / "html" / "book.pdf")
    write_data_zip(root, built / "html" / "stemreport-data.zip")
    for output in outputs:
        published.forget(output)  # a swap cut short must never look current
    _swap_dir(built / "html", root / "_build" / "html")
    published.record("html", fingerprint)
    if not args.html_only:
        _swap_file(print_built / "latex" / "book.pdf", root / "_build" / "pdf" / "book.pdf")
        published.record("pdf", fingerprint)
    print(f"[build] book ready: {root / '_build/html/index.html'}"
          + ("" if args.html_only else f" and {root / '_build/pdf/book.pdf'}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
