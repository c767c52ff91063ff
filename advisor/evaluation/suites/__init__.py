"""The suites: each runs its cases against the advisor and checks what it did.

Every evaluator is a small pure function from a case and what the advisor did to named checks;
the runners only collect what the advisor did.
"""
