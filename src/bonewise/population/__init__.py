"""The health system's view: cohorts from FHIR Bulk NDJSON, CSV/Parquet, OMOP CDM or the
store, in one flat schema; quality checks; the care-gap measures (read from
`bonewise.measures`) run as Ibis expressions on DuckDB or Spark; reports of who has which gap."""
