"""Readers per FHIR resource family; bonewise.fhir.importer composes them."""
