# feishu-push in a container: a static binary on an empty base with CA
# certificates and time-zone data, running as a non-root user.
#   docker build -t feishu-push .
#   docker run --rm -e TZ=Asia/Shanghai --env-file /etc/feishu-push.env feishu-push send-text --to oc_... --text hi
# CI builds the same layout without a daemon or a base image (make image:
# .ci/image copies this host's certificates and zoneinfo under FROM scratch).
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=
ARG DATE=
# Static: no libc in the image. The binary embeds time/tzdata as well.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/feishu-push/feishu-push/pkg/cli.Version=${VERSION} -X github.com/feishu-push/feishu-push/pkg/cli.Commit=${COMMIT} -X github.com/feishu-push/feishu-push/pkg/cli.Date=${DATE}" \
      -o /out/feishu-push ./cmd/feishu-push \
 && mkdir -p /out/home/nonroot /out/tmp \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > /out/passwd \
 && printf 'root:x:0:\nnonroot:x:65532:\n' > /out/group

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=build /out/passwd /etc/passwd
COPY --from=build /out/group /etc/group
COPY --from=build --chown=65532:65532 --chmod=700 /out/home/nonroot /home/nonroot
COPY --from=build --chmod=1777 /out/tmp /tmp
COPY --from=build /out/feishu-push /feishu-push
ENV PATH=/ HOME=/home/nonroot SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
LABEL org.opencontainers.image.title=feishu-push \
      org.opencontainers.image.source=https://github.com/feishu-push/feishu-push \
      org.opencontainers.image.licenses=Apache-2.0
USER 65532:65532
WORKDIR /home/nonroot
ENTRYPOINT ["/feishu-push"]
CMD ["--help"]
