"""The bank side in development, from the command line (``python -m cotisations.bank``)."""
