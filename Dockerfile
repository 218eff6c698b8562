# syntax=docker/dockerfile:1
# metrics-bot: `metrics-bot serve` (Slack HTTP mode, webhooks, scheduler) on port 3000.
# PostgreSQL through DATABASE_URL; secrets from files or the environment (see README and
# compose.yaml). Dependencies come from requirements.lock, every file checked by its hash.

FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.lock ./
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY analytics ./analytics
COPY ingest ./ingest
COPY store ./store
COPY sandbox ./sandbox
COPY bench ./bench
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    METRICS_BOT_CONFIG=/etc/metrics-bot/metrics-bot.yaml
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin metricsbot
COPY --from=build /opt/venv /opt/venv
USER 10001
WORKDIR /home/metricsbot
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["metrics-bot"]
CMD ["serve", "--port", "3000"]
