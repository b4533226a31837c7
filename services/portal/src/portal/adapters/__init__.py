"""The portal's outside: the services' apis over HTTP, the sealed session cookie."""
