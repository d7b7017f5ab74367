"""Portfolios, sites, lines, the reliability standard, memberships and score snapshots."""
