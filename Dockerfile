# The worker image: Node 20, the project's dependencies, and the TypeScript sources run through tsx.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY data/ms-licensing-reference.csv ./data/ms-licensing-reference.csv
COPY tsconfig.json ./
ENV NODE_ENV=production M365_DATA_DIR=/data M365_DB=/data/m365.duckdb
# The non-root user owns /data (a new named volume copies this ownership); 0750: its group may reach the published file.
RUN mkdir -p /data && chown node:node /data && chmod 0750 /data
VOLUME ["/data"]
USER node
ENTRYPOINT ["node", "bin/m365-license.mjs"]
CMD ["worker"]
