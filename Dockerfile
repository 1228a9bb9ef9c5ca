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
CMD ["node", "--import", "tsx", "src/main.ts"]
