# The autobuild worker. It talks to an external Temporal (TEMPORAL_ADDRESS) and
# PostgreSQL (DATABASE_URL); see docker-compose.yml.
FROM node:24.11-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY scripts ./scripts
# Install scripts only prepare the embedded services (Temporal CLI, embedded
# PostgreSQL), which a container using external ones does not run.
RUN npm ci --omit=dev --ignore-scripts
COPY . .
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
# The Node flags are npm start's (package.json): a small young generation and a
# 1.4x heap growing factor keep the worker's RSS down, and the workflow thread's
# preload spares a native thread per call into the sandbox (docs/benchmarks.md).
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=40", "--import=./src/runtime/workflow-thread.mjs", "--import", "tsx", "src/main.ts"]
