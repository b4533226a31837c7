"""identity: affiliates registry, accounts, accountant firms and their users, authentication."""
