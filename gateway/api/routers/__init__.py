"""One router per concern; each route declares the role it needs."""
