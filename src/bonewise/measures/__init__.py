"""Each alert and care-gap measure written once as cited data (`measures.toml`: windows, grace,
what counts), read by the clinical core and by the population run."""
