# syntax=docker/dockerfile:1
# Switchyard gateway image. Two stages: the first builds the npm package exactly as `npm pack` does
# and installs its production dependencies from the lockfile; the second holds only that, on a
# small Node LTS image, running as the unprivileged `node` user (uid 1000) under tini (PID 1 that
# forwards SIGTERM, so the gateway drains within SHUTDOWN_TIMEOUT_MS, and reaps zombies).
#
#   docker build -t switchyard .
#   docker run --rm -p 8080:8080 --env-file .env switchyard
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: building needs no install script (the Pact tooling's would fetch native parts).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json .env.example README.md ./
COPY bin ./bin
COPY specs ./specs
COPY generated ./generated
COPY src ./src
# The browser pages' files (dist/web/): our browser code and the vendored renderers, built by prepack.
COPY web ./web
COPY scripts/build-web.ts ./scripts/
# The package's own contents (package.json `files`), unpacked to /app, plus the locked production
# dependencies: what `npm install --omit=dev switchyard-<version>.tgz` would give, reproducibly.
RUN npm pack --silent --pack-destination /tmp \
 && mkdir /app \
 && tar -xzf /tmp/switchyard-*.tgz -C /app --strip-components=1 \
 && cp package-lock.json /app/
WORKDIR /app
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && rm package-lock.json

FROM node:${NODE_VERSION}-alpine
# hadolint ignore=DL3018
RUN apk add --no-cache tini
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# The image's `node` user, by number so that Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/sbin/tini", "--", "node", "/app/bin/switchyard.js"]
CMD ["serve"]
