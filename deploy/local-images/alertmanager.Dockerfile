# A local stand-in for the official prom/alertmanager image, from Debian's prometheus-alertmanager
# package (Alertmanager 0.25; made by scripts/build-base-images where no image registry is
# reachable), laid out as the official image is: the configuration in
# /etc/alertmanager/alertmanager.yml, data (silences, notification log) in /alertmanager (a volume
# owned by nobody), running as nobody, the API and web UI on 9093.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends prometheus-alertmanager \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o nobody -g nogroup -m 0755 /alertmanager
USER nobody
WORKDIR /alertmanager
VOLUME /alertmanager
EXPOSE 9093
ENTRYPOINT ["/usr/bin/prometheus-alertmanager"]
CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]
