"""The portal's use cases: signing in, keeping the tokens fresh, signing out."""
