"""The health professionals' space: decisions that concern them, consent, incidents."""
