"""The ``failure_events`` kind's check of the ``open`` column.

A failure still open (the asset is down now) is an explicit fact, never inferred from an
empty ``ended_at``: an empty end with ``open`` false is an event of unknown duration
(docs/scoring.md). Open and ended at once cannot both be true.
"""

import numpy as np

from .fields import Errors


def check_open_failure(values, ctx, errors: Errors) -> None:
    """Refuses a row that is open and has an end, naming ``open``; stores ``open`` as the
    model's ``is_open``."""
    is_open = values["open"].fillna(False).astype(bool)
    ended = values["ended_at"].notna() if "ended_at" in values else False
    errors.add_mask(
        np.asarray(is_open & ended, dtype=bool),
        "open",
        "true but ended_at is given: an open failure has no end yet",
    )
    values["is_open"] = is_open
