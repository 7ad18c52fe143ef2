FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bufdir_reporting ./bufdir_reporting
RUN pip install --no-cache-dir . && useradd --system --uid 10001 bufdir
USER bufdir
ENV BUFDIR_HOST=0.0.0.0 BUFDIR_PORT=8000
EXPOSE 8000
CMD ["bufdir-reporting", "serve"]
