"""The mock's own controls: per-request overrides, contract bodies, CORS, the console page."""
