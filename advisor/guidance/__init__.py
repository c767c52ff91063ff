"""The purchasing guidance: the knowledge base, its embeddings, the index and answers."""
