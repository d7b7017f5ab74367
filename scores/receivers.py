"""What the roof does when the floor or a domain app reports an event (connected in
``ScoresConfig.ready``)."""

from scores import scheduling, services

#: The name ``recompute_after_ingest`` is connected under (a benchmark swaps it out).
RECOMPUTE_AFTER_INGEST = "scores-after-ingest"


def standard_for_new_portfolio(sender, instance, created, raw=False, **kwargs) -> None:
    """A new portfolio starts with the SPEC §4 standard, which its directors then edit."""
    if created and not raw:
        services.standard_create_default(portfolio=instance)


def recompute_after_ingest(sender, site_ids, **kwargs) -> None:
    """A batch changed these sites' data: recompute them (debounced)."""
    scheduling.schedule_site_recompute(site_ids)
