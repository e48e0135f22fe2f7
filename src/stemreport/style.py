"""The house style for figures: one look across notebooks, vector output, and byte-stable files.

Figures are drawn at the printed text width (6.3 in, A4 with 1 in margins), so the PDF sets them at
their own size and the smallest text (``SMALLEST`` points) prints at that size; in HTML they are SVG,
scaled to the page, where the same text is at least as large as the body's footnotes. Notebooks store
each figure twice: SVG for the HTML book and PDF for the printed one (myst-nb picks per builder).
Colours come from ``stemreport.vocab`` (verdicts, themes), so a figure, a badge and a highlight of the
same verdict are the same colour.
"""
from __future__ import annotations

import os

import matplotlib
import matplotlib.pyplot as plt

WIDTH = 6.3  # inches: the printed text width
SMALLEST = 9  # points: no text in a figure is smaller
INK, MUTED, GRID = "#222222", "#595959", "#DDDDDD"
ACCENT = "#0072B2"  # the one colour for data that is not a verdict or a theme (Okabe-Ito blue)
SECOND = "#E69F00"


def apply() -> None:
    """Set matplotlib defaults for every figure in the book, and store figures as SVG and PDF."""
    # Determinism: matplotlib stamps SVG and PDF files with this date (instead of now) when it is set.
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    plt.rcParams.update({
        "figure.figsize": (WIDTH, 3.4),
        "figure.dpi": 100,
        # Labels and legends are fitted inside the figure's own width (so it is never wider than the text).
        "figure.constrained_layout.use": True,
        "savefig.bbox": "tight",
        "font.family": "DejaVu Sans",
        "font.size": SMALLEST + 1,
        "axes.titlesize": SMALLEST + 2,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": SMALLEST + 1,
        "xtick.labelsize": SMALLEST,
        "ytick.labelsize": SMALLEST,
        "legend.fontsize": SMALLEST,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "x",
        "grid.color": GRID,
        "text.color": INK,
        "axes.labelcolor": INK,
        "axes.prop_cycle": matplotlib.cycler(color=[ACCENT, SECOND]),
        "legend.frameon": False,
        "svg.hashsalt": "stemreport",
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        "pdf.compression": 6,
    })
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # outside IPython (tests): nothing to configure
        return
    set_matplotlib_formats("svg", "pdf")


def close_all() -> None:
    """Close every open figure (after gluing them), so none is displayed a second time."""
    plt.close("all")
