"""Population care gaps: measures as data, one Ibis implementation, DuckDB or Spark."""
