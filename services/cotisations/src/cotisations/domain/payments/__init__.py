"""Payments: the account's ledger, direct-debit mandates, debit runs and bank returns; the
rules of telepayment, late-payment surcharges and payment-delay plans (docs/rules.md §9)."""
