"""Chat models: the factory that reads ADVISOR_MODEL, and the offline model."""
