"""The one door to the store: keyword-only functions that take a unit of work and the acting
user, authorise, do the work, and write the audit entry. The web routers and the CLI call these;
nothing else writes. The account functions (sign up, sign in) still take the session factory."""
