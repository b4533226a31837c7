"""notifications: every e-mail and postal letter of the platform, never lost, never twice."""
