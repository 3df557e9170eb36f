"""RxNorm codes added from public sources: a versioned data file with the provenance of each row.

Data only (one row per concept: code, display as printed in the source, RxNorm term type, agent, drug class, source key
into PROVENANCE). Each code below was read, with its name, in at least one public source; the
source is named by repository and path where the search tool gave them. No RxNorm release file
was read (there is no internet here): confirm against RxNav before relying on a row, and bump
VERSION when a row changes. bonewise.terminology.codes reads these rows into its drug table, which
the single-patient import, CDS Hooks and the population loaders all use.

Term types (RxNorm TTY): IN ingredient, SCD clinical drug, SBD branded drug, BN brand name,
SBDC branded drug component, SBDF branded dose form, BPCK branded pack.
"""

from __future__ import annotations

NAME = "bonewise RxNorm additions"
VERSION = "2026-12-02.1"
LICENCE_NOTE = (
    "RxNorm identifiers and names only (SAB=RXNORM), as printed in public code lists; "
    "no RxNorm release file is shipped."
)

# source key -> where the code and its name were read
PROVENANCE: dict[str, str] = {
    "ohdsi_d27": "OHDSI/ShinyDeploy QueryLibrary/queries/drug/D27.md (OMOP query library 'Find "
    "drugs of a brand', example output: branded drug 904421 and brand name 114265 Fosamax)",
    "synthea_costs": "synthetichealth/synthea src/main/resources/costs/medications.csv (RxNorm "
    "code and name per medication cost row)",
    "synthea_hormonetherapy": "synthetichealth/synthea src/main/resources/modules/breast_cancer/"
    "hormonetherapy_breast.json (MedicationOrder codes)",
    "synthea_osteoporosis": "synthetichealth/synthea src/main/resources/modules/osteoporosis.json "
    "(MedicationOrder 904420 'Alendronic acid 10 MG [Fosamax]')",
    "us_core_medication_codes": "HL7 US Core ValueSet us-core-medication-codes 3.1.1 "
    "(http://hl7.org/fhir/us/core/ValueSet/us-core-medication-codes, compose list of SCD, SBD, "
    "SBDF ... codes), as vendored in a public repository (the search tool did not name it)",
    "decadron_example": "a public value-set document listing RxNorm (2.16.840.1.113883.6.88) code "
    "369461 'dexamethasone Oral Tablet [Decadron]' (the search tool did not name the repository)",
    "actonel_pack": "a public JavaScript bundle mapping RxNorm codes to names, including 877300 "
    "'{4 (Risedronate 35 MG Oral Tablet [Actonel]) } Pack [Actonel 35]' (the search tool did not "
    "name the repository)",
}

# The added rows. "agent" is bonewise's agent name; "drug_class" its drug class.
ROWS: tuple[dict[str, str], ...] = (
    # alendronate (Fosamax)
    {
        "code": "114265",
        "display": "Fosamax",
        "tty": "BN",
        "agent": "alendronate",
        "drug_class": "bone_directed_therapy",
        "source": "ohdsi_d27",
    },
    {
        "code": "904421",
        "display": "Alendronic acid 10 MG Oral Tablet [Fosamax]",
        "tty": "SBD",
        "agent": "alendronate",
        "drug_class": "bone_directed_therapy",
        "source": "ohdsi_d27",
    },
    {
        "code": "904419",
        "display": "Alendronic acid 10 MG Oral Tablet",
        "tty": "SCD",
        "agent": "alendronate",
        "drug_class": "bone_directed_therapy",
        "source": "synthea_costs",
    },
    # risedronate (Actonel)
    {
        "code": "877300",
        "display": "{4 (Risedronate 35 MG Oral Tablet [Actonel]) } Pack [Actonel 35]",
        "tty": "BPCK",
        "agent": "risedronate",
        "drug_class": "bone_directed_therapy",
        "source": "actonel_pack",
    },
    # tamoxifen (Nolvadex)
    {
        "code": "93514",
        "display": "Tamoxifen Oral Tablet [Nolvadex]",
        "tty": "SBDF",
        "agent": "tamoxifen",
        "drug_class": "serm",
        "source": "us_core_medication_codes",
    },
    # leuprolide (Lupron): a GnRH agonist, read as ovarian suppression
    {
        "code": "93188",
        "display": "Leuprolide Injectable Solution [Lupron]",
        "tty": "SBDF",
        "agent": "leuprolide",
        "drug_class": "gnrh_agonist",
        "source": "us_core_medication_codes",
    },
    {
        "code": "752899",
        "display": "0.25 ML Leuprolide Acetate 30 MG/ML Prefilled Syringe",
        "tty": "SCD",
        "agent": "leuprolide",
        "drug_class": "gnrh_agonist",
        "source": "synthea_costs",
    },
    # oral glucocorticoids
    {
        "code": "312615",
        "display": "predniSONE 20 MG Oral Tablet",
        "tty": "SCD",
        "agent": "prednisone",
        "drug_class": "glucocorticoid",
        "source": "synthea_costs",
    },
    {
        "code": "92354",
        "display": "Prednisone Oral Tablet [Deltasone]",
        "tty": "SBDF",
        "agent": "prednisone",
        "drug_class": "glucocorticoid",
        "source": "us_core_medication_codes",
    },
    {
        "code": "369461",
        "display": "dexamethasone Oral Tablet [Decadron]",
        "tty": "SBDF",
        "agent": "dexamethasone",
        "drug_class": "glucocorticoid",
        "source": "decadron_example",
    },
)

# Rows already in bonewise.terminology.codes that a public source now confirms or corrects.
CONFIRMED: dict[str, str] = {
    "10324": "synthea_hormonetherapy",  # tamoxifen (IN), ordered as MedicationOrder by Synthea
    "198240": "synthea_costs",  # named there 'Tamoxifen 10 MG Oral Tablet' (was recalled as 20 MG)
    "904420": "synthea_osteoporosis",  # 'Alendronic acid 10 MG [Fosamax]': a branded component
    "312617": "synthea_costs",  # 'predniSONE 5 MG Oral Tablet'
}

# Looked for in public code and not added, with why. An order under one of these codes stays an
# unknown code (said in the import report); a brand or ingredient name in its display or text is
# still matched by name and flagged, except Xgeva's (see below).
NOT_ADDED: dict[str, str] = {
    "Xgeva": "found: 1046402 '1.7 ML denosumab 70 MG/ML Injection [Xgeva]' (SBD) in a public "
    "SMART-app script. Not added: it is denosumab 120 mg, the oncology dose for bone metastases "
    "(monthly), which clinical-reference.md does not cover; read as denosumab it would be judged "
    "by the 6-monthly osteoporosis rules. It stays an unknown code for the clinician to read.",
    "Prolia (BN)": "no public source found stating the brand-name code (the SBD 993452 is in the "
    "table already)",
    "Reclast, Zometa": "no code found; one public table names 'zoledronic acid Injectable "
    "Solution [Zometa]' without its code",
    "Boniva, ibandronate (IN)": "no ibandronate RxNorm code found in a public source (lists name "
    "'ibandronic acid 150 MG Oral Tablet' without codes); ibandronate keeps its bonewise local "
    "code and is matched by name",
    "Actonel (BN), Atelvia": "no code found (only the Actonel 35 pack 877300, added)",
    "Zoladex": "only OMOP concept ids (36935860, RxNorm Extension) found, no RxNorm code",
    "Soltamox": "not found",
    "Medrol": "found by name only ('methylprednisolone 16 MG Oral Tablet [Medrol]') without a code",
}

# Ingredient codes still marked unconfirmed in bonewise.terminology.codes, looked for again on
# 2026-12-02 (issue 13) with the search tool (public code, documentation and web pages). What was
# found is recorded here; none of it names the code, so each stays unconfirmed (an order under it
# is read, and every use is reported as unconfirmed).
STILL_UNCONFIRMED: dict[str, str] = {
    "993449": "denosumab: only in a public RxNorm-to-SNOMED CT map of a breast-cancer trial-"
    "matching app (TypeScript; the search tool did not name the repository), paired with SNOMED "
    "CT 446321003, without a name; no list naming it found",
    "73056": "risedronate: only in that same map (paired with SNOMED CT 387582001), unnamed",
    "42375": "leuprolide: only in that same map (paired with SNOMED CT 397198002), unnamed",
    "50610": "goserelin: only in that same map (paired with SNOMED CT 108771008), unnamed",
    "38782": "triptorelin: not found in any public source the search tool reached",
}
