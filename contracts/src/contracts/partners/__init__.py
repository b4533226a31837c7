"""Inbound feeds published by partner systems."""
