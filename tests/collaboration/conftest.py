import pytest

from derogations import assignment
from tests import factories


@pytest.fixture
def evaluator():
    return factories.UserFactory(evaluator=True, email="eva@ansm.example")


@pytest.fixture
def operator_a(org_a):
    return factories.operator_of(org_a, email="claire@labo-a.example")


@pytest.fixture
def file_a(org_a, operator_a, evaluator):
    """A file of organisation A in review, assigned to the evaluator."""
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.in_review(req, evaluator)
    assignment.assign(req, evaluator, evaluator)
    req.refresh_from_db()
    return req


@pytest.fixture
def file_b(org_b, evaluator):
    req = factories.RequestFactory(organisation=org_b)
    return factories.in_review(req, evaluator)
