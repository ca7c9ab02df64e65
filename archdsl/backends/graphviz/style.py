"""Colours, fonts and the legend: how the diagram looks, in one place."""

from __future__ import annotations

from html import escape

from archdsl.ops import Family

FONT = "Helvetica"

FAMILY_COLOURS: dict[str, str] = {
    Family.IO: "#ffffff",
    Family.CONV: "#9ecae1",
    Family.LINEAR: "#bcbddc",
    Family.NORM: "#fdf1a6",
    Family.ACTIVATION: "#fdd0a2",
    Family.POOL: "#a1d99b",
    Family.REGULARIZATION: "#d9d9d9",
    Family.MERGE: "#f4a6c6",
    Family.SHAPE: "#eeeeee",
    Family.RECURRENT: "#8fd6c9",
}
"""Fill colour of a node by its op's family (`Op.family`)."""

BLOCK_COLOUR = "#d0d6e2"
"""Fill of a collapsed block instance."""

CLUSTER_FILLS = ("#f8f8f8", "#eef2f7", "#f6f1ea", "#eef5ee")
"""Cluster backgrounds, cycling with nesting depth so nested blocks stand apart."""

GRAPH_ATTRS = {
    "newrank": "true",  # rank across clusters; keeps a long chain of blocks straight
    "nodesep": "0.25",
    "ranksep": "0.3",
    "fontname": FONT,
    "fontsize": "11",
    "labeljust": "l",
}
NODE_ATTRS = {"shape": "box", "style": "rounded,filled", "fontname": FONT, "fontsize": "10",
              "margin": "0.08,0.03", "penwidth": "0.8"}
EDGE_ATTRS = {"fontname": FONT, "fontsize": "8", "fontcolor": "#555555", "arrowsize": "0.6",
              "penwidth": "0.8"}

LEGEND_EXTRAS = (
    ("block (collapsed)", BLOCK_COLOUR, "solid"),
    ("train only", "#ffffff", "dashed"),
)


def family_colour(family: Family | str) -> str:
    """The fill of a family; families added later share the neutral shape colour."""
    return FAMILY_COLOURS.get(family, FAMILY_COLOURS[Family.SHAPE])


def cluster_fill(depth: int) -> str:
    return CLUSTER_FILLS[(depth - 1) % len(CLUSTER_FILLS)]


def html_lines(first: str, rest: list[str], small: list[str], align: str = "") -> str:
    """An HTML-like label: a bold first line, plain lines, then small grey lines.

    align='left' left-aligns every line (cluster headings, so edges entering the
    cluster's middle cross as little text as possible).
    """
    br = f'<br align="{align}"/>' if align else "<br/>"
    parts = [f"<b>{escape(first)}</b>"]
    parts += [escape(line) for line in rest if line]
    parts += [f'<font point-size="8" color="#444444">{escape(line)}</font>' for line in small if line]
    return "<" + br.join(parts) + (br if align else "") + ">"


def legend_label(families: list[str], blocks: bool, train_only: bool, windows: bool) -> str:
    """An HTML table: a swatch per family drawn, block and train-only keys if used, and
    the abbreviations of conv and pool windows if any is drawn."""
    rows = [_legend_row(family, family_colour(family), "solid") for family in families]
    extras = [(blocks, LEGEND_EXTRAS[0]), (train_only, LEGEND_EXTRAS[1])]
    rows += [_legend_row(*extra) for used, extra in extras if used]
    head = '<tr><td colspan="2"><b>legend</b></td></tr>'
    notes = ('<tr><td colspan="2"><font point-size="8">k×k kernel · s stride · p padding<br/>'
             "d dilation · g groups · → out channels</font></td></tr>") if windows else ""
    table = '<table border="0" cellborder="1" cellspacing="2" cellpadding="3">'
    return f"<{table}{head}{''.join(rows)}{notes}</table>>"


def _legend_row(name: str, colour: str, style: str) -> str:
    swatch = f'<td bgcolor="{colour}" width="18" style="{"dashed" if style == "dashed" else "solid"}"></td>'
    return f'<tr>{swatch}<td align="left" border="0">{escape(name)}</td></tr>'
