# A local stand-in for the official prom/prometheus image, from Debian's prometheus package (made by
# scripts/build-base-images where no image registry is reachable), laid out as the official image
# is: /bin/prometheus, the configuration in /etc/prometheus/prometheus.yml, data in /prometheus
# (a volume owned by nobody), running as nobody, the web UI on 9090.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends prometheus \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o nobody -g nogroup -m 0755 /prometheus
USER nobody
WORKDIR /prometheus
VOLUME /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
