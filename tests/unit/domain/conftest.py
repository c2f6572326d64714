"""Fixtures for the domain tests: a fresh world per test."""

import pytest

from tests.unit.domain.builders import World, new_world


@pytest.fixture
def world() -> World:
    """An organization whose customer has an SA in force and whose MIR holds the facility."""
    return new_world()


@pytest.fixture
def bare_world() -> World:
    """An organization without any agreement or MIR entry yet."""
    return new_world(with_agreement=False)
