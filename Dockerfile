# Production image: gunicorn serving Django; the same image runs the Celery worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static ./static
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# WeasyPrint needs Pango (with HarfBuzz and fontconfig) and fonts; libpq is for psycopg tools.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
      fonts-liberation fonts-dejavu-core shared-mime-info curl \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 portal
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt .
COPY --chown=portal:portal . .
COPY --from=assets --chown=portal:portal /app/static/build ./static/build
RUN DEBUG=true SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
 && mkdir -p /app/media && chown portal:portal /app/media
USER portal
EXPOSE 8000
CMD ["gunicorn", "atmp_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
