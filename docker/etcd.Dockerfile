# etcd from Debian 12 (etcd-server 3.4, the version eventlog is tested
# with), for docker/compose.yaml's cluster profile.
#
#   docker build -f docker/etcd.Dockerfile -t eventlog-etcd .
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       etcd-server etcd-client \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && install -d -m 0700 /var/lib/etcd
VOLUME ["/var/lib/etcd"]
EXPOSE 2379 2380
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["sh", "-c", "ETCDCTL_API=3 etcdctl --endpoints=\"$ETCD_ADVERTISE_CLIENT_URLS\" endpoint health"]
ENTRYPOINT ["etcd"]
