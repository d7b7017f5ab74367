"""Page builders of the scores: what each page shows, one dataclass per page, one module per
page family (portfolio, site, translation table, reliability standard, OEM).

A builder takes what the view parsed (the object the user may see, the filters) and turns
selectors and pure functions into the page: figures, executive sentences, rows. No HTTP and
no writes here; the view renders the dataclass and lays out its charts (``scores.charts``).
A snapshot's ``details`` is read with the keys of ``scores.snapshot`` and ``[]``, so a key
the writer does not write fails loudly; templates read the dataclasses, never ``details``.
"""
