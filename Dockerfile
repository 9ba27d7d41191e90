# Dockerfile — the `weft serve` image: what CI tests, in a slim Debian 12.
#
# Build stage: Debian 12, scripts/bootstrap, the Release build of `make build` and the web app
# (deploy/container/build). Runtime stage: debian:12-slim with only the libraries the binary links
# (deploy/container/runtime-packages), user weft (10001), data in the /data volume, configured by
# WEFT_* variables (every `weft serve` option has one: `weft serve --help`).
#
#   docker build -t weft .
#   docker run -p 8080:8080 -v weft-data:/data weft            # SQLite in /data, on :8080
#   docker run -e WEFT_DATABASE=postgresql://… -e WEFT_REDIS=redis://… -e WEFT_JWT_SECRET=… weft
#
# Every step is a script of deploy/container/, which scripts/check-dockerfile runs on this machine
# (make test: the runtime steps with the existing build; make check-container: all of them), so
# this recipe cannot rot unseen. weft is PID 1 (exec-form ENTRYPOINT): SIGTERM reaches it and it
# drains as it does anywhere else (rooms stored, sessions closed, exit 0).

FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN deploy/container/build /out

FROM debian:12-slim
COPY deploy/container/setup-runtime deploy/container/runtime-packages /tmp/weft-setup/
RUN /tmp/weft-setup/setup-runtime && rm -rf /tmp/weft-setup
COPY --from=build /out/ /
ENV WEFT_HOST=0.0.0.0 \
    WEFT_PORT=8080 \
    WEFT_DATA_DIR=/data \
    WEFT_STATIC_DIR=/usr/share/weft/web
VOLUME ["/data"]
WORKDIR /data
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/weft-healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/weft"]
CMD ["serve"]
