"""What ingest tells the apps above it. Ingest sits below the scores, so it announces a
finished batch instead of calling them; ``ScoresConfig.ready`` connects the recompute."""

from django.dispatch import Signal

#: Sent after a batch that loaded rows has committed, with ``batch_id`` and ``site_ids``: the
#: sites whose data changed (sorted).
batch_loaded = Signal()
