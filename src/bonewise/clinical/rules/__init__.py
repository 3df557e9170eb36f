"""Guideline rule sets, one module each, versioned by guideline. A newer guideline is a new module
beside the old one, never an edit of it."""
