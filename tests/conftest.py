"""Shared fixtures: a strict, frozen-clock app and its test client.

Building an app and generating its workspaces costs a few hundred milliseconds, so each
test module builds one and every test gets it back in its startup state: a full reset
(world, journal, run-time fixtures and workspaces) and the clock frozen at FROZEN_AT.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import FROZEN_AT, make_settings

from mockserver.app import create_app, mock_of
from mockserver.world.service import control


@pytest.fixture(scope="module")
def shared_app() -> Flask:
    app = create_app(make_settings())
    app.testing = True
    return app


@pytest.fixture
def app(shared_app: Flask) -> Flask:
    """The module's app, as fresh as a new one: reset world and a re-frozen clock."""
    engine = mock_of(shared_app).engine
    control.reset(engine)
    control.set_clock(engine, frozen_at=FROZEN_AT)
    return shared_app


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client
