"""Payments: the account's ledger, direct-debit mandates, debit runs and bank returns."""
