# One image for all three apps; docker-compose.yml picks the app with `command`.
# Build: docker build -t switchyard .

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
# The whole tree, not just dist/: the apps read switchyard.yaml, datasets/ and other files beside it at runtime.
COPY --from=build /app /app
# Writable only where the app writes: SWITCHYARD_DATA_DIR, used when DATABASE_URL is unset.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 8080
CMD ["node", "--enable-source-maps", "dist/apps/gateway/src/main.js"]
