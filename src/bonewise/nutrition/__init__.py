"""Nutrition core (pure): nutrients kept from SR28, targets, totals, supplements, suggestions,
the seed's food groups and the caution catalogue. No I/O, no database, no web.

The imperative shell around it: tables and repositories in `bonewise.store.food`, and the
keyword-only service functions the CLI and the web pages call in `bonewise.services.nutrition`.
"""
