"""What the filter forms of the lists share."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout


def filter_form_helper(*rows: Any) -> FormHelper:
    """The crispy helper of a list's filter form (GET): the page writes the <form
    method="get"> tag and its buttons around the fields, so no tag and no CSRF token."""
    helper = FormHelper()
    helper.form_method = "get"
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(*rows)
    return helper
