# One image for the api, the worker and the simulated gateway; the command picks the role.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
# postinstall applies patches/ (patch-package) to the installed dependencies.
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund

FROM deps AS bundle
COPY . .
# The worker loads this prebuilt workflow bundle instead of running webpack at every start.
RUN npx tsx worker/build-bundle.ts /app/build/workflow-bundle.js

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 WORKFLOW_BUNDLE=/app/build/workflow-bundle.js
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=bundle /app/build ./build
COPY . .
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=6 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["npx", "tsx", "api/main.ts"]
