"""Code systems as versioned data (LOINC, RxNorm, SNOMED CT value sets, ICD-10-CM, local codes):
one lookup used by every reader, single-patient and population alike."""
