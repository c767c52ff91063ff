"""How people reach the advisor: HTTP, the web chat, the terminal and Teams."""
