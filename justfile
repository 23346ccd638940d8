# gin-fargate: every entry point. `just --list` describes each recipe.

set shell := ["bash", "-euo", "pipefail", "-c"]
set positional-arguments

# The Pulumi stack the recipes act on: `just STACK=prod up` or `STACK=prod just up`.
export STACK := env("STACK", "dev")

# Linters, pinned; `go run` builds them, so nothing to install.
staticcheck := "honnef.co/go/tools/cmd/staticcheck@v0.8.2"
actionlint := "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"

# The API's build, as the Dockerfile runs it: static, stripped, without Gin's unused MessagePack codec and
# without validator's validateFn, whose MethodByName keeps every method of every type (15 MiB instead of 9).
build_api := "CGO_ENABLED=0 go build -tags nomsgpack,validator_novalidatefn -trimpath"

# List the recipes
default:
    @just --list

# Run the API on localhost:8080 at log level debug, named after Pulumi.yaml's project; PORT, LOG_LEVEL and the other variables override
dev:
    PORT="${PORT:-8080}" LOG_LEVEL="${LOG_LEVEL:-debug}" APP_VERSION="${APP_VERSION:-dev}" \
      SERVICE_NAME="${SERVICE_NAME:-$(sed -n 's/^name: *//p' Pulumi.yaml)}" go run ./app

# Build the API for this machine into bin/api: static and stripped, with the Dockerfile's flags
build:
    {{ build_api }} -ldflags "-s -w -X main.version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)" -o bin/api ./app

# Benchmark the API against bare net/http: go test -bench in process, then both servers under hey on loopback
bench *args:
    go test -run '^$' -bench . -benchmem ./app
    {{ build_api }} -ldflags "-s -w -X main.version=bench" -o bin/bench/api ./app
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o bin/bench/ ./app/internal/bench ./app/internal/bench/bare
    GOBIN="$PWD/bin/bench" go install github.com/rakyll/hey@v0.1.5
    bin/bench/bench -api bin/bench/api -bare bin/bench/bare -hey bin/bench/hey "$@"

# Run every test offline: the API with the race detector, the Pulumi program under mocks, `just check` on every stack file
test:
    go test -race -count=1 ./app/...
    go test -count=1 ./infra/...
    for file in Pulumi.*.yaml; do [[ "$file" == *.local.yaml ]] && continue; stack="${file#Pulumi.}"; just check "${stack%.yaml}"; done

# Check a stack's settings offline (no AWS, Docker or Pulumi CLI): every config error, or the plan, the security waivers in force and the monthly cost
check stack=STACK:
    go run ./infra check "$1"

# Check gofmt, go vet, staticcheck, the GitHub workflow (actionlint) and every shell script (shellcheck)
lint: _shellcheck
    @echo "lint: gofmt"
    @unformatted="$(gofmt -l .)"; if [[ -n "$unformatted" ]]; then printf 'gofmt: these files need formatting (run `just fmt`):\n%s\n' "$unformatted" >&2; exit 1; fi
    @echo "lint: go vet"
    go vet ./...
    @echo "lint: staticcheck"
    go run {{ staticcheck }} ./...
    @echo "lint: actionlint"
    go run {{ actionlint }} .github/workflows/*.yml

# Format every Go file in place
fmt:
    gofmt -l -w .

# Check every prerequisite of `just up` at once: one line each, ok or what is missing and the fix (--preview: of `just preview`)
doctor *flags:
    @infra/doctor/doctor.sh "$@"

# The preview builds no image (buildOnPreview false); DOCKER_BUILDKIT=1 spares docker-build its one call to the Docker daemon.
# Show what `just up` would change in the stack, without Docker (creates the stack and the local backend on first use)
preview *args: (doctor "--preview") stack-init
    DOCKER_BUILDKIT=1 pulumi preview --stack "$STACK" "$@"

# Build the image, push it and roll the service, then follow the ECS deployment to its end (creates the stack on first use)
up *args: doctor stack-init
    pulumi up --stack "$STACK" "$@"

# Delete every resource of the stack (asks first)
destroy *args: (_require "pulumi" "backend")
    pulumi destroy --stack "$STACK" "$@"

# Print the service URL
url: (_require "pulumi" "backend")
    @pulumi stack output url --stack "$STACK"

# Follow the service's logs in CloudWatch, from `since` ago (e.g. 10m, 2h, 2026-01-31T09:00:00Z)
logs since="10m": (_require "pulumi" "backend" "aws")
    #!/usr/bin/env bash
    set -euo pipefail
    group="$(pulumi stack output logGroupName --stack "$STACK")"
    region="$(pulumi config get aws:region --stack "$STACK" 2>/dev/null || true)"
    exec aws logs tail "$group" --follow --format short --since "$1" ${region:+--region "$region"}

# Check the deployed service from outside (health, version, JSON 404, TLS, redirect); flags go to infra/smoke
smoke *args:
    go run ./infra/smoke -stack "$STACK" "$@"

# Restart every task on the current task definition (e.g. after rotating a secret), then wait until stable
redeploy: (_require "pulumi" "backend" "aws")
    #!/usr/bin/env bash
    set -euo pipefail
    cluster="$(pulumi stack output clusterName --stack "$STACK")"
    service="$(pulumi stack output serviceName --stack "$STACK")"
    region="$(pulumi config get aws:region --stack "$STACK" 2>/dev/null || true)"
    ecs() { aws ecs "$@" ${region:+--region "$region"}; }
    id="$(ecs update-service --cluster "$cluster" --service "$service" --force-new-deployment \
      --query "service.deployments[?status=='PRIMARY'].id | [0]" --output text)"
    echo "redeploy: started deployment $id of $service; waiting until the service is stable (up to 10 minutes)"
    ecs wait services-stable --cluster "$cluster" --services "$service"
    state="$(ecs describe-services --cluster "$cluster" --services "$service" \
      --query "services[0].deployments[?id=='$id'].[status, rolloutState] | [0]" --output text)"
    state="${state//$'\t'/ }"
    if [[ "$state" == None ]]; then state="replaced"; fi
    if [[ "$state" != "PRIMARY COMPLETED" ]]; then
      echo "redeploy: deployment $id ended as '${state:-gone}': ECS rolled it back. Read why with \`just logs 30m\`" >&2
      echo "  and: aws ecs describe-services --cluster $cluster --services $service --query 'services[0].events[:10]'" >&2
      exit 1
    fi
    echo "redeploy: deployment $id completed"

# Create the stack (default dev) unless it exists; logs in to the local file backend when not logged in anywhere
stack-init: (_require "pulumi")
    #!/usr/bin/env bash
    set -euo pipefail
    # doctor's backend check exits 0 when logged in, 2 (a warning) when no backend is set up at all,
    # and 1 when one is set up but fails: then starting an empty state would lose the deployed one.
    status=0
    report="$(infra/doctor/doctor.sh backend 2>&1)" || status=$?
    if (( status == 2 )); then
      echo "pulumi: not logged in to any backend, so using the local file backend: pulumi login --local"
      echo "pulumi: state is kept in ${PULUMI_HOME:-~/.pulumi}; back it up, or move to S3 or Pulumi Cloud (docs/configuration.md, State backend)"
      pulumi login --local
    elif (( status != 0 )); then
      echo "$report" >&2
      exit 1
    fi
    if pulumi stack select --non-interactive "$STACK" >/dev/null 2>&1; then
      exit 0
    fi
    backend="$(pulumi whoami --verbose --non-interactive 2>/dev/null | sed -n 's/^Backend URL: *//p')"
    echo "stack-init: creating stack $STACK on ${backend:-the current backend}"
    # A passphrase warning is printed and Pulumi asks for it; an unreadable passphrase file stops here.
    infra/doctor/doctor.sh passphrase || (( $? == 2 ))
    pulumi stack init "$STACK"

# Fails with doctor's line for each named check that is not ok (infra/doctor/doctor.sh lists them)
_require +checks:
    @infra/doctor/doctor.sh "$@"

# Runs shellcheck on every tracked shell script and on the justfile's bash recipes
_shellcheck:
    #!/usr/bin/env bash
    set -euo pipefail
    echo "lint: shellcheck"
    if ! command -v shellcheck >/dev/null 2>&1; then
      echo "error: shellcheck is not installed: brew install shellcheck, or apt-get install shellcheck" >&2
      exit 1
    fi
    scripts=()
    while IFS= read -r file; do
      if [[ "$file" == *.sh || "$(head -n 1 -- "$file" 2>/dev/null)" =~ ^\#!.*[/\ ](ba|da|k)?sh([[:space:]]|$) ]]; then
        scripts+=("$file")
      fi
    done < <(git ls-files --cached --others --exclude-standard 2>/dev/null || find . -path ./.git -prune -o -type f -print)
    recipes="$(mktemp -d)"
    trap 'rm -rf "$recipes"' EXIT
    # Each recipe with a bash shebang becomes justfile-<name>.bash, its interpolations a placeholder word.
    awk -v dir="$recipes" '
      /^@?[A-Za-z_][A-Za-z0-9_-]*([ \t][^:]*)?:/ && !/:=/ { split($0, head, /[ :]/); name = head[1]; sub(/^@/, "", name); state = "header"; next }
      state == "header" && /^([ ]+|\t)#!.*bash/ { out = dir "/justfile-" name ".bash"; state = "body" }
      state == "body" && /^([ ]+|\t|$)/ { line = $0; sub(/^(    |\t)/, "", line); gsub(/\{\{[^}]*\}\}/, "JUST_VALUE", line); print line > out; next }
      { state = "" }
    ' justfile
    shopt -s nullglob
    extracted=("$recipes"/*.bash)
    echo "shellcheck: ${#scripts[@]} scripts (${scripts[*]}) and ${#extracted[@]} bash recipes of the justfile"
    if (( ${#extracted[@]} > 0 )); then
      shellcheck --shell=bash "${extracted[@]}"
    fi
    if (( ${#scripts[@]} > 0 )); then
      shellcheck "${scripts[@]}"
    fi
