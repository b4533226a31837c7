"""The web portal of « Mon compte »: server-rendered pages over the services' apis.

It owns no data."""
