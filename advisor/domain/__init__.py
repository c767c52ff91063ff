"""Pure types and the motion classifier: no I/O beyond the shipped copy, no model."""
