# The service image: Debian 12 + Node 20, the mediasoup worker built from Debian's libraries
# by the project's own set-up (no download), then the service with the built-in roster.
FROM node:20-bookworm
WORKDIR /app
COPY . .
RUN bash scripts/setup.sh && rm -rf /root/.cache/giao-ban/*/build-*
ENV NODE_ENV=production
EXPOSE 3000
CMD ["node", "--import", "tsx", "server/main.ts"]
