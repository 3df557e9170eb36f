"""E-mail out of bonewise: an SMTP sender configured by environment, and a local SMTP sink for
the demo and the tests (an adapter: the services hand it finished messages)."""
