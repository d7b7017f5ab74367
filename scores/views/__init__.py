"""Portfolio pages, one module per page family (home, dashboard, standard, translation)."""
