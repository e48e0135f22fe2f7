"""The house style for figures: one look across notebooks, and byte-stable output."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
VERDICT_COLOURS = {
    "supported": "#009E73",
    "partly_supported": "#56B4E9",
    "outdated": "#E69F00",
    "contradicted": "#D55E00",
    "unverifiable": "#999999",
    "opinion": "#CC79A7",
    "not yet checked": "#DDDDDD",
}


def apply() -> None:
    """Set matplotlib defaults for every figure in the book."""
    plt.rcParams.update({
        "figure.figsize": (7.5, 3.8),
        "figure.dpi": 110,
        "savefig.dpi": 150,
        "savefig.bbox": "tight",
        "font.family": "DejaVu Sans",
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "x",
        "grid.color": "#DDDDDD",
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
        "legend.frameon": False,
        # Determinism: no timestamps or random ids in saved files.
        "svg.hashsalt": "stemreport",
        "pdf.compression": 6,
    })
