"""Importers: read outside data, return validated, typed records with their provenance.

Nothing here writes to the store; the store adapters take the records these yield.
"""
