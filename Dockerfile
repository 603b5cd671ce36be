# syntax=docker/dockerfile:1
# Build stage: dev dependencies and the TypeScript compiler.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Run stage: production dependencies only, non-root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config/tenant-config.schema.json ./config/
USER node
EXPOSE 51349
# The heap cap stays below the pod's memory limit so V8 collects before the kernel kills.
ENTRYPOINT ["node", "--max-old-space-size=768", "dist/cli.js"]
CMD ["sync"]
