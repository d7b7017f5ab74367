"""What reliability does when the floor reports an event (connected in
``ReliabilityConfig.ready``)."""

from reliability import services


def escalation_rules_for_new_portfolio(sender, instance, created, raw=False, **kwargs) -> None:
    """A new portfolio starts with the default escalation rules (SPEC's decision
    architecture), which its directors then change in the admin."""
    if created and not raw:
        services.escalation_rules_create_defaults(portfolio=instance)
