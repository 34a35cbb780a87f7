import pytest

from .served import deployed_environment


@pytest.fixture
def deployed(tmp_path):
    return deployed_environment(tmp_path)
