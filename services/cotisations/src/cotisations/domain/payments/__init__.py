"""Payments of the contribution account: the rules of telepayment, late-payment surcharges and
payment-delay plans (docs/rules.md §9)."""
