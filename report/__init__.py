"""The governance pack: the figures of a period as a board, auditor or public PDF (or HTML)."""
