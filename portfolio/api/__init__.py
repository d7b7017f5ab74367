"""Read API for portfolios and sites (``/api/v1/``)."""
