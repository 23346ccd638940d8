# gin-fargate: every entry point. `just --list` describes each recipe.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes
default:
    @just --list

# Run every test offline: the API with the race detector, the Pulumi program under mocks
test:
    go test -race -count=1 ./app/...
    go test -count=1 ./infra/...
