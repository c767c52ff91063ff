"""The conversation store: checkpointers, session locks and retention."""
