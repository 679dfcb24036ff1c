# The sandbox image: the static binary and nothing else, FROM scratch (the
# convention of GoReleaser-built images), so it builds with no base image
# to pull. Build the binary first, then the image:
#
#   CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o dist/sandbox ./cmd/sandbox
#   docker build -t fintech-sandbox .
#
# .ci/image TAG does both and stamps one version on the binary
# (`sandbox version`, the banner) and on the label below.
#
# TLS roots for webhooks to https receivers are compiled into the binary
# (golang.org/x/crypto/x509roots/fallback, used when the image has none);
# mount a bundle at /etc/ssl/certs/ca-certificates.crt to trust your own CA.
# The licenses label says NOASSERTION (SPDX) until the repository has a LICENSE.
FROM scratch
ARG VERSION=devel
LABEL org.opencontainers.image.title="fintech-sandbox" \
      org.opencontainers.image.description="A sandbox of the Weavr Multi (consumers) and LoanPro LMS (customers) APIs, with every documented error on demand" \
      org.opencontainers.image.source="https://github.com/sandbox-dev/fintech-sandbox" \
      org.opencontainers.image.licenses="NOASSERTION" \
      org.opencontainers.image.version="${VERSION}"
COPY dist/sandbox /sandbox
# A numeric user: no /etc/passwd in the image, and Kubernetes'
# runAsNonRoot can check a number. 65532 is distroless' "nonroot".
USER 65532:65532
# Every flag is also SANDBOX_<NAME>; in the container the sandbox listens
# on all interfaces, port 8080, with no arguments.
ENV SANDBOX_ADDR=:8080
EXPOSE 8080
# There is no shell or curl here: the binary asks its own readiness.
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 CMD ["/sandbox", "health"]
ENTRYPOINT ["/sandbox"]
