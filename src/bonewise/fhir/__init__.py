"""FHIR R4 and CDS Hooks 2.0 adapters: import (`importer`), export (`export`) and CDS cards
(`cds_cards`). Codes come from `bonewise.terminology`; decisions from `bonewise.clinical`."""
