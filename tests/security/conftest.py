# The permission matrix's objects of every kind, for the security tests.
from tests.test_permission_matrix import world  # noqa: F401
