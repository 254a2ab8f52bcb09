# One image for every Interlude process (the four services, both relays, the gateway, interlude-migrate);
# the Kubernetes manifests choose the command. Build: docker build -t interlude:dev .
# Stage 1 builds wheels of the packages and their dependencies; stage 2 installs them without build tools.
# Stage 0 builds the web app's bundle, which the gateway serves under /app/.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci
COPY web/ ./
COPY docs/data-dictionary.md /src/docs/data-dictionary.md
RUN npm run build

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip wheel
COPY contracts/ contracts/
COPY runtime/ runtime/
COPY activity_model/ activity_model/
COPY services/ services/
COPY gateway/ gateway/
RUN pip wheel --no-cache-dir --wheel-dir /wheels \
        ./contracts ./runtime ./activity_model ./services/identity ./services/activities ./services/assignments ./services/notifications ./services/reporting ./gateway

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN groupadd --system --gid 10001 interlude \
    && useradd --system --uid 10001 --gid interlude --home-dir /app --shell /usr/sbin/nologin interlude
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels \
        interlude-contracts interlude-runtime interlude-activity-model interlude-identity interlude-activities interlude-assignments interlude-notifications \
        interlude-reporting interlude-gateway \
    && rm -rf /wheels
# nameko reads each process's config file; paths match `nameko run --config services/<name>/config.yaml`.
COPY --chown=root:root services/identity/config.yaml services/identity/config.yaml
COPY --chown=root:root services/activities/config.yaml services/activities/config.yaml
COPY --chown=root:root services/assignments/config.yaml services/assignments/config.yaml
COPY --chown=root:root services/notifications/config.yaml services/notifications/config.yaml
COPY --chown=root:root services/reporting/config.yaml services/reporting/config.yaml
COPY --chown=root:root gateway/config.yaml gateway/config.yaml
COPY --from=web --chown=root:root /src/web/dist /app/web/dist
USER 10001:10001
EXPOSE 8000 9100
CMD ["nameko", "--help"]
