"""Population cohorts: the canonical flat schema, loaders (FHIR Bulk Data NDJSON, CSV/Parquet,
OMOP CDM) and the seeded synthetic cohort generator. Adapters around the care-gap measures."""
