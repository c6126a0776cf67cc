# onepin-mock: an offline mock of the Onepin workflow API.
#   docker build -t onepin-mock .
#   docker run --rm -p 8080:8080 onepin-mock
#   docker run --rm -p 8080:8080 -e ONEPIN_MOCK_RUN_SPEED=60 onepin-mock

# --- build: wheels for the dependencies first (cached), then for the project ---------------
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt
COPY README.md ./
COPY mockserver ./mockserver
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- runtime: only the installed packages, run as an unprivileged user ----------------------
# CMD runs the server as PID 1; it stops on SIGTERM itself (no init process needed).
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 mock
# The wheels are bind-mounted from the build stage for this one step, so no layer keeps them.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index /wheels/*.whl
USER mock
# Inside a container 0.0.0.0 is the only useful bind, so the open control API is opted
# into explicitly; set ONEPIN_MOCK_ADMIN_TOKEN (and ONEPIN_MOCK_SECRET) before publishing
# the port beyond your own machine.
ENV ONEPIN_MOCK_HOST=0.0.0.0 \
    ONEPIN_MOCK_INSECURE_ADMIN=1 \
    ONEPIN_MOCK_PORT=8080 \
    PYTHONUNBUFFERED=1
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/__mock/health' % os.environ.get('ONEPIN_MOCK_PORT', '8080'), timeout=2)"]
CMD ["onepin-mock", "serve"]
