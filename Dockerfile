# claudine in a container: non-root, listening on all interfaces with client keys required, healthy when ready.
#   docker build -t claudine .
#   docker run -p 127.0.0.1:4000:4000 -e ANTHROPIC_API_KEY -e CLAUDINE_SERVER__API_KEYS=client-key claudine
# See compose.yaml and the README's "In a container" section.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` build needs the sources, copied next; no dependency needs a script.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist

# The image's settings (all overridable with -e):
# - every interface, so the published port reaches it; claudine refuses to start that way without
#   CLAUDINE_SERVER__API_KEYS (the keys clients must send), so the credential is never open to the network;
# - the credential from ANTHROPIC_API_KEY, or from the file store in the volume (a container has no OS
#   keyring): `docker compose run --rm claudine auth login` stores it there;
# - JSON logs for the container runtime.
ENV CLAUDINE_SERVER__HOST=0.0.0.0 \
    CLAUDINE_SERVER__PORT=4000 \
    CLAUDINE_AUTH__STORAGE=file \
    CLAUDINE_LOG_FORMAT=json \
    CLAUDINE_SHUTDOWN__TIMEOUT=10s \
    HOME=/home/node \
    XDG_CONFIG_HOME=/home/node/.config
RUN mkdir -p /home/node/.config/claudine && chown -R node:node /home/node/.config && chmod 700 /home/node/.config/claudine
VOLUME ["/home/node/.config/claudine"]
USER node
EXPOSE 4000

# Healthy when ready to serve (listening, credential loaded, not draining): GET /health/readiness.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CLAUDINE_SERVER__PORT||4000)+'/health/readiness').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["node", "/app/dist/main.js"]
CMD ["start"]
