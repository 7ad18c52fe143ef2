FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY bufdir_reporting ./bufdir_reporting
# the pinned versions of requirements.lock, then the package itself without resolving again
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.lock \
    && pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    BUFDIR_HOST=0.0.0.0 BUFDIR_PORT=8000 BUFDIR_VAR_DIR=/var/lib/bufdir
# Pango and HarfBuzz's subsetter: WeasyPrint lays the report PDF out with them
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
COPY requirements.lock /tmp/requirements.lock
# The service's user by number: Kubernetes' runAsNonRoot can only check a numeric USER. The
# folders docker-compose.yml mounts volumes on are made here, owned by it: a named volume takes
# the owner of the folder it is first mounted on, and one the image lacks comes up root's.
RUN pip install --no-cache-dir --no-index --find-links=/wheels -r /tmp/requirements.lock bufdir-reporting \
    && rm -rf /wheels \
    && groupadd --system --gid 10001 bufdir \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/bufdir --create-home bufdir \
    && install -d -o 10001 -g 10001 /var/lib/bufdir/reports
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
CMD ["bufdir-reporting", "serve"]
