"""Assets, condition monitoring, work orders, failures, production, prevented failures."""
