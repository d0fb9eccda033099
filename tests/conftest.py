"""Test-wide settings: a fixed pseudonymisation key, so no test writes the user's key file."""

from __future__ import annotations

import os

# Set before any test imports the privacy module: tests must never create
# ~/.config/egn-analytics/pseudo.key on the machine that runs them.
os.environ.setdefault("EGN_PSEUDO_KEY", "cle-de-test-egn-analytics-0123456789")
