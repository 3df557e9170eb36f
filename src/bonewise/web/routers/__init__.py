"""One router per feature: pages and the JSON API routes that back them."""
