"""The mock's own controls: request journal, admin helpers, per-request overrides."""
