# Build stage: compile TypeScript with dev dependencies.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npx tsc -p tsconfig.json

# Runtime stage: production dependencies and compiled code only.
FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY config.example.yaml ./
USER 65532:65532
EXPOSE 10187
# The exporter is PID 1 and handles SIGTERM itself (no npm in between).
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["--config.file=/etc/rtc-cdn-exporter/config.yaml"]
