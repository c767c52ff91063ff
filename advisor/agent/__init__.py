"""The advisor agent: its context, state, tools, graph, turn composition and guards."""
