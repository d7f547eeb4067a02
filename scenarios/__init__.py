"""The all-in-one scenarios, selectable per stack."""
