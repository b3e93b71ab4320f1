"""Charts rendered on the server as inline SVG with pygal (no JavaScript needed to see them).

pygal writes its configuration into an inline ``<script>`` even with ``js=[]``; the console's CSP
forbids every script, so it is taken out of the tree before rendering (the browser would refuse it
and log an error on every page load)."""
from __future__ import annotations

import sys

import pygal
from pygal.etree import etree
from markupsafe import Markup
from pygal.style import Style

# pygal puts an importer for its map plugins on sys.meta_path that has no find_spec (PEP 451),
# and importlib's users (pytest's test collection among them) fail on it; no map is drawn here.
sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, pygal.PluginImportFixer)]

STYLE = Style(
    background="white", plot_background="white", foreground="#333", foreground_strong="#111",
    foreground_subtle="#999", colors=("#1f5fa8", "#c0392b", "#27ae60", "#e67e22", "#8e44ad", "#16a085"),
    font_family="'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', SimSun, sans-serif",
    title_font_size=16, label_font_size=12, major_label_font_size=12, legend_font_size=12, value_font_size=11,
)
KINDS = {"bar": pygal.Bar, "line": pygal.Line, "hbar": pygal.HorizontalBar}


def chart(kind: str, title: str, labels: list[str], series: dict[str, list], width: int = 640,
          height: int = 320) -> Markup:
    """One chart as an ``<svg>`` element ready to put in a page; ``None`` values are gaps."""
    figure = KINDS[kind](
        width=width, height=height, style=STYLE, title=title, disable_xml_declaration=True, js=[],
        show_legend=len(series) > 1, legend_at_bottom=True, print_values=False, x_label_rotation=0,
        no_data_text="暂无数据", explicit_size=False,
    )
    figure.x_labels = labels
    for name, values in series.items():
        figure.add(name, [None if value is None else round(float(value), 2) for value in values])
    tree = figure.render_tree()
    for parent in list(tree.iter()):
        for script in parent.findall("{http://www.w3.org/2000/svg}script") + parent.findall("script"):
            parent.remove(script)
    return Markup(etree.tostring(tree, encoding="unicode"))
