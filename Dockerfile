# Image for Sluice's API and worker; docker-compose.yml runs `node dist/src/server.js` or `node dist/src/worker.js`.
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
# .data holds the generated admin key; the node user must own it (compose mounts a volume there).
RUN npm run build && mkdir -p .data && chown node:node .data
ENV NODE_ENV=production
USER node
CMD ["node", "dist/src/server.js"]
