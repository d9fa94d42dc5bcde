"""Perda report pipeline: intake workbooks in, numbered letters filed by SOP step out."""

from __future__ import annotations

__version__ = "0.1.0"
