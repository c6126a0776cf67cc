"""Shared fixtures: a strict, frozen-clock app per test and its test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import make_settings

from mockserver.app import create_app


@pytest.fixture
def app() -> Flask:
    app = create_app(make_settings())
    app.testing = True
    return app


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client
