"""Exercise that is safe for her bones: catalogue, weekly plan, progression and adherence (pure)."""
