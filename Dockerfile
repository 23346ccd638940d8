# syntax=docker/dockerfile:1

# Build stage: runs on the build machine's own platform and cross-compiles for the target's, so
# an arm64 image builds at native speed on an x86 machine and vice versa (no emulation).
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
WORKDIR /src
# Only what the build needs (.dockerignore allows nothing else): go build below fetches just the
# modules ./app imports. `go mod download` would fetch every module of go.mod, the Pulumi SDKs of
# infra/ included. The nomsgpack tag leaves out Gin's MessagePack codec, which the API does not
# use, and validator_novalidatefn the validator's method lookups by reflection, which keep every
# method of every type in the binary: it shrinks from 14 to 9 MiB.
COPY go.mod go.sum ./
COPY app/ ./app/
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -tags nomsgpack,validator_novalidatefn -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/api ./app

# Final stage: the static binary alone on distroless (no shell, no package manager), run as the
# image's unprivileged nonroot user, given by number so that no runtime needs /etc/passwd to know
# it is not root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/api /api
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/api"]
