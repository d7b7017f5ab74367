"""Read API for assets (``/api/v1/``)."""
