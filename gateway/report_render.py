"""Moved to ``gateway/report/render.py``; this name is the same module until every importer reads it there."""
import sys

from gateway.report import render

sys.modules[__name__] = render
