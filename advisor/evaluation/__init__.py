"""The evals: cases, suites, the runner, the simulated customer and the reports."""

# Every suite `advisor eval --suite` takes, in the order a run reports them.
SUITES: tuple[str, ...] = (
    "classify",
    "chat",
    "ask",
    "adversarial",
    "regression",
    "blind-chat",
    "heldout-chat",
    "dev-chat",
    "blind-ask",
    "heldout-ask",
    "dev-ask",
    "blind-reader",
)
