# gin-fargate: every entry point. `just --list` describes each recipe.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes
default:
    @just --list

# Run the API on localhost:8080 with debug logs; PORT, LOG_LEVEL and the other variables override
dev:
    PORT="${PORT:-8080}" LOG_LEVEL="${LOG_LEVEL:-debug}" APP_VERSION="${APP_VERSION:-dev}" go run ./app

# Build the API for this machine into bin/api: static and stripped, with the Dockerfile's flags
build:
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)" -o bin/api ./app

# Benchmark the API against bare net/http: go test -bench, then both servers under hey on loopback
bench:
    go test -run '^$' -bench . -benchmem ./app
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=bench" -o bin/bench/api ./app
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o bin/bench/bareserver ./app/internal/bench/bareserver
    GOBIN="$PWD/bin/bench" go install github.com/rakyll/hey@v0.1.5
    go run ./app/internal/bench/compare -app bin/bench/api -bare bin/bench/bareserver -hey bin/bench/hey

# Run every test offline: the API with the race detector, the Pulumi program under mocks
test:
    go test -race -count=1 ./app/...
    go test -count=1 ./infra/...
