"""Public screens: home, registry of global derogations and its feed, letter verification."""
