"""Write the generated data files: ``data/claimreview.jsonld`` (schema.org ClaimReview),
``data/claims.annotations.jsonld`` (W3C Web Annotations), ``data/datapackage.json`` (Frictionless Data
Package) and ``data/README.md`` (the data dictionary), all from the validated data and the schemas.

    python -m stemreport_tools.export          # rewrite them all
    python -m stemreport_tools.export --check  # exit 1 if any is out of date (the tests run this)
"""
from __future__ import annotations

import sys

from stemreport import claimreview, datadict, reuse
from stemreport.paths import project_root

OUTPUTS = {"data/claimreview.jsonld": lambda: claimreview.render(claimreview.reviews(embedded=False)),
           "data/claims.annotations.jsonld": lambda: reuse.render(reuse.annotations()),
           "data/datapackage.json": lambda: reuse.render(reuse.datapackage()),
           "data/README.md": lambda: datadict.render()}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = project_root()
    stale = []
    for name, make in OUTPUTS.items():
        text = make()
        path = root / name
        if "--check" in argv:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {name}")
    for name in stale:
        print(f"{name} is out of date: run python -m stemreport_tools.export", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
