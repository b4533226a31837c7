"""What the portal knows without any framework: a visitor's session, French wording."""
