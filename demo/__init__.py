"""The demo portfolio: a deterministic generator (pure data) and its database loader."""
