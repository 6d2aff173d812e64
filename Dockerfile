# The worker image: Node 24 LTS (Node 20 reached end of life in April 2026; the test suite runs on Node 20, the
# oldest version `engines` allows, see docs/development.md, "Node versions"), the project's dependencies, and the TypeScript
# sources run through tsx.
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY data/ms-licensing-reference.csv ./data/ms-licensing-reference.csv
COPY tsconfig.json ./
# /data is owned by the non-root user before it becomes a volume: a new named volume copies this ownership, so the
# worker can write its databases and staging files there. (A bind mount keeps the host's owner: make it uid 1000.)
# 0750: the published file's group (M365_PUBLISHED_GROUP) may reach it; everything else inside is 0600/0700.
# The inbox mounts its own small writable volume at /data/user-responses (the rest of /data read-only): the same.
RUN mkdir -p /data/user-responses && chown node:node /data /data/user-responses && chmod 0750 /data /data/user-responses
ENV NODE_ENV=production M365_DATA_DIR=/data M365_DB=/data/m365.duckdb LOG_LEVEL=info
VOLUME ["/data"]
USER node
ENTRYPOINT ["node", "bin/m365-license.mjs"]
CMD ["worker"]
