"""The evals: cases, suites, the runner, the simulated customer and the reports."""
