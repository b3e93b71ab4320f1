"""The QR label of a patrol checkpoint: the console URL a guard's phone opens to record the scan."""
from __future__ import annotations

import io

import segno

SCAN_PATH = "/console/patrol/scan/"


def scan_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + SCAN_PATH + token


def label_svg(url: str, scale: int = 4) -> str:
    """The QR code of ``url`` as an SVG document (error correction M: a label scuffed a little still reads)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", scale=scale, border=2, xmldecl=False,
                                                 svgns=True, title=url)
    return out.getvalue().decode("utf-8")
