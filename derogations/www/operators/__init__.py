"""Operator screens: requests, filing steps, complements, supplies."""
