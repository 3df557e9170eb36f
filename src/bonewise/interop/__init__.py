"""Interoperability adapters: code tables, FHIR R4 import and export, CDS Hooks cards.

`codes` is plain data shared with population analytics; `fhir_import`, `fhir_export` and
`cds_hooks` translate between FHIR R4 / CDS Hooks 2.0 and the clinical core.
"""
