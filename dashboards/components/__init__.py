"""Layout factories shared by pages: shell, navbar, chart card, notices. No callbacks here."""
