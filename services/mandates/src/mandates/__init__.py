"""mandates: clients of accountant firms, activation keys, mandates and portfolios."""
