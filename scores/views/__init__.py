"""The scores' pages, one module per page family: home (landing, site list), dashboard
(portfolio, site), translation, standard, capital plan, OEM (relationship, customer)."""
