"""cotisations: the contribution account — exact computation, échéancier, income estimates."""
