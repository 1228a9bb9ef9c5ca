# The autobuild worker. It talks to an external Temporal (TEMPORAL_ADDRESS) and
# PostgreSQL (DATABASE_URL); see docker-compose.yml.

# Build: compile src/ to dist/ and prebuild the workflow bundle (npm run build).
FROM node:24.11-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts only prepare the embedded services (Temporal CLI, embedded
# PostgreSQL), which a container using external ones does not run. Installed
# before the sources are copied, so a source change does not reinstall.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# Run: dist/ with production dependencies only; no compiler, no bundler.
FROM node:24.11-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# The HTTP API (docs/api.md) listens on every interface inside the container; publish 7080 to reach it.
ENV AUTOBUILD_API_HOST=0.0.0.0 AUTOBUILD_API_PORT=7080
EXPOSE 7080
# The worker's /metrics, /healthz, /readyz (9464) and the Temporal SDK's metrics (9465),
# for Prometheus beside it (docs/operations.md#metrics-and-health).
ENV AUTOBUILD_METRICS_HOST=0.0.0.0 AUTOBUILD_METRICS_PORT=9464 AUTOBUILD_SDK_METRICS_PORT=9465
EXPOSE 9464 9465
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
# Ready = the database and Temporal answer and this container's worker runs (/readyz). The
# image has no curl: Node's fetch asks.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.AUTOBUILD_METRICS_PORT||9464)+'/readyz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# npm start's command: a small young generation and a 1.4x heap growing factor
# keep the worker's RSS down (docs/benchmarks.md#the-workers-memory).
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=40", "dist/main.js"]
