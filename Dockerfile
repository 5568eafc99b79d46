# One image for every process of the platform; docker-compose.yml picks the entry point.
FROM node:20-bookworm-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY scripts/prisma.mjs scripts/prisma-schema-engine.mjs ./scripts/
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci
COPY . .
ENV NODE_ENV=production
CMD ["node", "--import", "tsx", "router/main.ts"]
