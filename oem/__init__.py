"""OEM customers and relationships, scorecards and penalties."""
