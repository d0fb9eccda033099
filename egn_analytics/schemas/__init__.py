"""Tidy-table schemas, one module per source, declared once with dataframely (Polars terms)."""
