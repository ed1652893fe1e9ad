# Image for Sluice's API and worker; docker-compose.yml runs `node dist/src/server.js` or `node dist/src/worker.js`.
# Node 26 LTS, the minor .ci/run tests on (it checks this line): move both together. The minor tag still takes
# 26.10.x patch releases.
FROM node:26.10-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
# .data holds the generated admin key; the node user must own it (compose mounts a volume there).
RUN npm run build && mkdir -p .data && chown node:node .data
ENV NODE_ENV=production
USER node
CMD ["node", "dist/src/server.js"]
