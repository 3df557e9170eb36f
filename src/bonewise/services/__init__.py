"""The one door to the store: keyword-only functions that take the session factory or a unit of
work and the acting user, authorise, do the work, and write the audit entry. The web routers and
the CLI call these; nothing else writes."""
