# syntax=docker/dockerfile:1
#
# Mission Tracker: one image for the API, the projection worker and the one-shot migrations.
#   docker build -t mission-tracker .
#   docker run --init ... mission-tracker                                   # API (default)
#   docker run --init ... mission-tracker node dist/apps/worker/src/main.js # worker
#   docker run --init ... mission-tracker node dist/scripts/migrate.js      # migrations
# --init (Compose: `init: true`) is recommended: a tiny init as PID 1 forwards signals and
# reaps children (the migrations spawn the Prisma CLI). Node handles SIGTERM itself either
# way (Nest shutdown hooks: the worker finishes its current job, connections close).
#
# Secrets: DATABASE_URL, REDIS_URL and BOOTSTRAP_ADMIN_KEY may be given as files instead
# (DATABASE_URL_FILE=/run/secrets/..., the convention of the official images); see
# docker-compose.yml.
#
# Install scripts are skipped (--ignore-scripts): none is needed. The build runs
# `prisma generate` itself, and migrations use the Prisma CLI's bundled WebAssembly engine
# through @prisma/adapter-pg (prisma.config.ts), so no native engine is downloaded.

# Node.js 24 (the active LTS) on Debian 13 "trixie" (stable; bookworm's regular security support
# ended in June 2026). Pinned to an exact release, not a moving tag, so that a rebuild is the
# same image until this line changes. To pin it by digest as well, resolve the tag once and
# append it: `docker buildx imagetools inspect node:24.20.0-trixie-slim` prints the index
# digest; then NODE_IMAGE=node:24.20.0-trixie-slim@sha256:<that digest>.
ARG NODE_IMAGE=node:24.20.0-trixie-slim

# ---- build: all dependencies, Prisma client generation, TypeScript compilation ----------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
# Sources (see .dockerignore); the generated Prisma client is made afresh by the build.
COPY . .
RUN npm run build

# ---- runtime: production dependencies + compiled output --------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    HOST=0.0.0.0 \
    PORT=3000
COPY package.json package-lock.json ./
# `prisma` (CLI), `@prisma/adapter-pg` and `pg` are dependencies, not devDependencies:
# dist/scripts/migrate.js runs node_modules/prisma/build/index.js, which loads
# prisma.config.ts through c12/jiti (no `typescript` needed) and connects with the adapter.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/apps/dashboard/public ./apps/dashboard/public
COPY --from=build /app/prisma.config.ts ./prisma.config.ts
# Files stay owned by root (read-only for the app); the processes run unprivileged.
USER node
EXPOSE 3000
# Readiness of the API (the slim image has no curl): healthy when it can serve, that is when
# PostgreSQL and Redis answer it (/health/ready; /health/live only says the process runs).
# Compose overrides this for the worker and disables it for the migrations.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly, not npm: signals reach the Node process (and npm's prestart would rebuild).
CMD ["node", "dist/apps/api/src/main.js"]
