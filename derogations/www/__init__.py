"""The screens of derogations, grouped by audience (as les-emplois' ``itou/www``).

- ``operators``: an operator's requests, the filing steps, complements, supplies.
- ``public``: the home page, the public registry of global derogations and its feed,
  the verification of a letter's code.
- ``professionals``: the health professionals' space (decisions, consent, incidents).

The staff's screens are the ``reviews`` app. The domain (models, lifecycle, rules) stays in
``derogations`` itself: a screen loads, checks, calls the domain and renders.
"""
