# A local stand-in for the official postgres:15 image, from Debian's postgresql-15 (made by
# scripts/build-base-images where no image registry is reachable). It honours what
# deploy/compose.yaml relies on: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA (default
# /var/lib/postgresql/data, the volume), password authentication over TCP from every address,
# pg_isready on the PATH, the server as the postgres user, SIGINT (fast shutdown) to stop.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o postgres -g postgres -m 2775 /var/run/postgresql \
    && install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
