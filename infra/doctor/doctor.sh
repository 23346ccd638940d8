#!/usr/bin/env bash
# Checks what the deploy recipes need and prints one line per check: ok, skip (not needed by this
# stack, or not checkable without a tool reported above), warn (works, but read why) or missing
# (with the fix for this system: Homebrew on macOS, the README's commands on Linux).
#
#   infra/doctor/doctor.sh             every check (just doctor, up); exits 1 when something
#                                      `just up` needs is missing
#   infra/doctor/doctor.sh --preview   the same for `just preview`, which builds no image:
#                                      docker and buildx are skipped
#   infra/doctor/doctor.sh pulumi aws  only the named checks, silent when they are ok; otherwise
#                                      prints their lines to stderr and exits 1, or 2 if they only warn
#
# Checks: go pulumi backend passphrase docker buildx aws credentials region just.
# Run it in the project root; STACK selects the stack file (default dev). It only looks: it never
# logs in, creates a stack, reads the passphrase or waits for input (every tool reads /dev/null).
# Bash builtins only besides the tools it checks, so it runs when they are missing; bash 3.2 (macOS).
set -uo pipefail

all_checks="go pulumi backend passphrase docker buildx aws credentials region just"
sdk_module=github.com/pulumi/pulumi/sdk/v3

main() {
  if [[ ! -r Pulumi.yaml || ! -r go.mod ]]; then
    echo "doctor: no Pulumi.yaml and go.mod here: run it in the project root (just doctor does)" >&2
    exit 1
  fi
  recipe=up
  if [[ ${1:-} == --preview ]]; then
    recipe=preview
    shift
  fi
  local checks=${*:-$all_checks} name
  for name in $checks; do
    if [[ " $all_checks " != *" $name "* ]]; then
      echo "doctor: unknown check \"$name\"; the checks are: $all_checks" >&2
      exit 1
    fi
  done
  quiet=$(($# > 0))
  missing="" warned="" whoami_out="" whoami_status="" region="" region_source=""
  project=$(yaml_value Pulumi.yaml name)
  stack=${STACK:-dev}
  stack_file=Pulumi.${stack##*/}.yaml
  # The image key as the stack file sets it: under the project's name, or bare (the CLI adds it).
  image=$(yaml_value "$stack_file" "$project:image")
  [[ -n $image ]] || image=$(yaml_value "$stack_file" image)
  profile=$(yaml_value "$stack_file" aws:profile)

  if ((quiet == 0)); then
    local note=""
    [[ -r $stack_file ]] || note=", which does not exist yet: Pulumi.yaml's defaults apply"
    echo "doctor: what \`just $recipe\` needs for stack $stack ($stack_file$note)"
  fi
  for name in $checks; do
    "check_$name"
  done
  if ((quiet)); then
    [[ -z $missing ]] || exit 1
    [[ -z $warned ]] || exit 2
  elif [[ -n $missing ]]; then
    echo "doctor: missing for \`just $recipe\`:$missing (README.md, Prerequisites)"
    exit 1
  elif [[ -n $warned ]]; then
    echo "doctor: ready for \`just $recipe\`, with warnings:$warned"
  else
    echo "doctor: ready for \`just $recipe\`"
  fi
}

# report STATUS NAME DETAIL prints one line and counts it: all of them, or in quiet mode the
# warnings and missing ones, to stderr.
report() {
  case $1 in
    missing) missing+=" $2" ;;
    warn) warned+=" $2" ;;
  esac
  if ((quiet == 0)); then
    printf '%-7s %-11s %s\n' "$@"
  elif [[ $1 == missing || $1 == warn ]]; then
    printf '%-7s %-11s %s\n' "$@" >&2
  fi
}

# fix MACOS LINUX prints the fix for this system.
fix() {
  if [[ $OSTYPE == darwin* ]]; then printf '%s' "$1"; else printf '%s' "$2"; fi
}

have() { command -v "$1" >/dev/null 2>&1; }

# first_line TEXT prints TEXT's first non-empty line (tools often start an error with a blank one)
# without a final period, to be quoted inside a sentence.
first_line() {
  local line
  while IFS= read -r line; do
    if [[ -n $line ]]; then
      printf '%s' "${line%.}"
      return
    fi
  done <<<"$1"
}

# yaml_value FILE KEY prints the value of the first `KEY: value` line of FILE, unquoted, or nothing.
# Hand-written because no YAML reader is part of bash and the CLIs may be missing; the keys read
# here are one-line scalars.
yaml_value() {
  [[ -r $1 ]] || return 0
  local line value re="^[[:space:]]*${2//./\\.}:([[:space:]]+(.*))?$"
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ $re ]] || continue
    value=${BASH_REMATCH[2]:-}
    case $value in
      \"*) value=${value#\"}; value=${value%%\"*} ;;
      \'*) value=${value#\'}; value=${value%%\'*} ;;
      *)
        value=${value%%[[:space:]]#*}
        value=${value%"${value##*[![:space:]]}"}
        ;;
    esac
    printf '%s' "$value"
    return
  done <"$1"
}

# gomod NAME prints the word after NAME on the first go.mod line that starts with it: the go
# version for `go`, the required version for a module path (in a require line or block).
gomod() {
  local line words
  while IFS= read -r line; do
    read -r -a words <<<"${line#require }"
    if ((${#words[@]} > 1)) && [[ ${words[0]} == "$1" ]]; then
      printf '%s' "${words[1]}"
      return
    fi
  done <go.mod
}

# older A B: whether version A is older than version B, comparing major.minor.patch (a leading
# v or go and any suffix such as -dev or rc1 are ignored).
older() {
  local a b i x y
  IFS=. read -r -a a <<<"${1#v}"
  IFS=. read -r -a b <<<"${2#v}"
  for i in 0 1 2; do
    x=${a[i]:-0} y=${b[i]:-0}
    x=${x%%[!0-9]*} y=${y%%[!0-9]*}
    ((10#${x:-0} < 10#${y:-0})) && return 0
    ((10#${x:-0} > 10#${y:-0})) && return 1
  done
  return 1
}

# arch prints the CPU in the download names of Go (amd64/arm64) or AWS (x86_64/aarch64).
arch() {
  case $1-$HOSTTYPE in
    go-aarch64 | go-arm64) echo arm64 ;;
    go-*) echo amd64 ;;
    *-aarch64 | *-arm64) echo aarch64 ;;
    *) echo x86_64 ;;
  esac
}

check_go() {
  local want found tarball linux
  want=$(gomod go)
  tarball=go$want.linux-$(arch go).tar.gz
  linux="curl -fsSLO https://go.dev/dl/$tarball && sudo rm -rf /usr/local/go && sudo tar -C /usr/local -xzf $tarball (then /usr/local/go/bin on PATH)"
  if ! have go; then
    report missing go "not installed; go.mod wants go $want or newer: $(fix "brew install go" "$linux")"
    return
  fi
  # GOTOOLCHAIN=local: the installed go, not a newer toolchain it would download for go.mod.
  found=$(GOTOOLCHAIN=local go env GOVERSION 2>&1 </dev/null)
  if [[ $found != go[0-9]* ]]; then
    report missing go "go env GOVERSION fails: $(first_line "$found"); reinstall: $(fix "brew reinstall go" "$linux")"
  elif older "${found#go}" "$want"; then
    report missing go "$found is older than go $want (go.mod): $(fix "brew upgrade go" "$linux")"
  else
    report ok go "$found (go.mod: $want or newer)"
  fi
}

check_pulumi() {
  local want found linux
  want=$(gomod "$sdk_module")
  linux="curl -fsSL https://get.pulumi.com | sh -s -- --version ${want#v}"
  if ! have pulumi; then
    report missing pulumi "not installed: $(fix "brew install pulumi/tap/pulumi" "$linux")"
    return
  fi
  found=$(PULUMI_SKIP_UPDATE_CHECK=true pulumi version 2>&1 </dev/null)
  if [[ $found != v[0-9]* ]]; then
    report missing pulumi "pulumi version fails: $(first_line "$found"); reinstall: $(fix "brew reinstall pulumi/tap/pulumi" "$linux")"
  elif older "$found" "$want"; then
    report missing pulumi "$found is older than the SDK in go.mod ($want): $(fix "brew upgrade pulumi/tap/pulumi" "$linux")"
  else
    report ok pulumi "$found (the SDK in go.mod: $want)"
  fi
}

# load_whoami runs `pulumi whoami --verbose` once, non-interactively, into whoami_out and whoami_status.
load_whoami() {
  [[ -z $whoami_status ]] || return 0
  whoami_status=0
  whoami_out=$(PULUMI_SKIP_UPDATE_CHECK=true pulumi whoami --verbose --non-interactive 2>&1 </dev/null) || whoami_status=$?
}

# whoami_field NAME prints the value of the `NAME: value` line of whoami's output.
whoami_field() {
  local line
  while IFS= read -r line; do
    if [[ $line == "$1: "* ]]; then
      printf '%s' "${line#"$1: "}"
      return
    fi
  done <<<"$whoami_out"
}

# configured_backend prints the backend Pulumi is set up to use (PULUMI_BACKEND_URL, the current
# login of credentials.json, or Pulumi Cloud for PULUMI_ACCESS_TOKEN), or nothing when none is.
configured_backend() {
  local credentials=${PULUMI_HOME:-${HOME:-}/.pulumi}/credentials.json content re='"current": *"([^"]+)"'
  if [[ -n ${PULUMI_BACKEND_URL:-} ]]; then
    printf '%s' "$PULUMI_BACKEND_URL"
  elif [[ -r $credentials ]] && content=$(<"$credentials") && [[ $content =~ $re ]]; then
    printf '%s' "${BASH_REMATCH[1]}"
  elif [[ -n ${PULUMI_ACCESS_TOKEN:-} ]]; then
    printf '%s' https://api.pulumi.com
  fi
}

# backend prints the backend the stack lives on: the logged-in one, else the configured one, else
# nothing (no backend at all: stack-init logs in to the local one).
backend() {
  if have pulumi; then
    load_whoami
    if ((whoami_status == 0)); then
      whoami_field "Backend URL"
      return
    fi
  fi
  configured_backend
}

check_backend() {
  local configured
  if ! have pulumi; then
    report skip backend "not checked: needs the pulumi CLI (above)"
    return
  fi
  load_whoami
  if ((whoami_status == 0)); then
    report ok backend "$(whoami_field "Backend URL") as $(whoami_field User)"
    return
  fi
  configured=$(configured_backend)
  if [[ -n $configured ]]; then
    report missing backend "set up for $configured, but pulumi whoami fails: $(first_line "$whoami_out"); fix that login (pulumi login $configured): state started elsewhere would lose track of what is deployed"
  else
    report warn backend "not logged in to any backend: just up logs in to the local one (pulumi login --local: state in ~/.pulumi, on this machine only); for state a team shares, log in first: pulumi login (Pulumi Cloud) or pulumi login s3://<bucket>/$project (docs/configuration.md, State backend)"
  fi
}

check_passphrase() {
  local provider where file
  provider=$(yaml_value "$stack_file" secretsprovider)
  if [[ -n $provider && $provider != passphrase ]]; then
    report skip passphrase "not needed: the stack's secrets use ${provider%%\?*} ($stack_file)"
    return
  fi
  where=$(backend)
  if [[ $where == https://* ]]; then
    report skip passphrase "not needed: Pulumi Cloud ($where) keeps the stack's secrets"
    return
  fi
  where=${where:-the local backend}
  file=${PULUMI_CONFIG_PASSPHRASE_FILE:-}
  if [[ -n ${PULUMI_CONFIG_PASSPHRASE+set} ]]; then
    report ok passphrase "PULUMI_CONFIG_PASSPHRASE is set, for the secrets on $where"
  elif [[ -n $file && -f $file && -r $file ]]; then
    report ok passphrase "PULUMI_CONFIG_PASSPHRASE_FILE $file, for the secrets on $where"
  elif [[ -n $file ]]; then
    report missing passphrase "PULUMI_CONFIG_PASSPHRASE_FILE $file cannot be read: put the stack's passphrase in it (chmod 600), or point the variable at the file that holds it"
  else
    report warn passphrase "not set, so Pulumi asks at every command for the passphrase that encrypts the stack's secrets on $where; to stop that: export PULUMI_CONFIG_PASSPHRASE_FILE=<a file only you can read> (docs/configuration.md, State backend)"
  fi
}

# skip_build NAME reports the check NAME as not needed when nothing is built (a preview, or a
# prebuilt image), and fails when the image is built.
skip_build() {
  if [[ $recipe == preview ]]; then
    report skip "$1" "not needed: just preview builds no image"
  elif [[ -n $image ]]; then
    report skip "$1" "not needed: the stack deploys the prebuilt image $image ($stack_file)"
  else
    return 1
  fi
}

check_docker() {
  local out status=0
  skip_build docker && return
  if ! have docker; then
    report missing docker "not installed; just up builds the image with it: $(fix "brew install --cask docker, then open Docker Desktop once (or: brew install colima docker docker-buildx && colima start)" "curl -fsSL https://get.docker.com | sh && sudo usermod -aG docker \"\$USER\", then log out and in")"
    return
  fi
  out=$(docker info --format '{{.ServerVersion}}' 2>&1 </dev/null) || status=$?
  if ((status == 0)); then
    report ok docker "daemon running, Docker Engine $out"
  elif [[ $out == *"permission denied"* ]]; then
    report missing docker "permission denied on the Docker daemon's socket: sudo usermod -aG docker \"\$USER\", then log out and in"
  else
    report missing docker "the Docker daemon is not running: $(fix "start Docker Desktop, or colima start" "sudo systemctl start docker")"
  fi
}

check_buildx() {
  local out words prefix=/usr/local
  skip_build buildx && return
  if ! have docker; then
    report skip buildx "not checked: needs docker (above)"
    return
  fi
  if out=$(docker buildx version 2>&1 </dev/null); then
    read -r -a words <<<"$out"
    report ok buildx "${words[1]:-$out}"
    return
  fi
  [[ $HOSTTYPE == arm64 || $HOSTTYPE == aarch64 ]] && prefix=/opt/homebrew
  report missing buildx "the buildx plugin is missing: $(fix "Docker Desktop includes it; else brew install docker-buildx and add \"cliPluginsExtraDirs\": [\"$prefix/lib/docker/cli-plugins\"] to ~/.docker/config.json" "sudo apt-get install docker-buildx-plugin (from Docker's repository; get.docker.com sets it up)")"
}

check_aws() {
  local out status=0 linux
  linux="curl -fsSL https://awscli.amazonaws.com/awscli-exe-linux-$(arch aws).zip -o awscliv2.zip && unzip -q awscliv2.zip && sudo ./aws/install"
  if ! have aws; then
    report missing aws "not installed; it checks the credentials here, and just logs and just redeploy use it: $(fix "brew install awscli" "$linux")"
    return
  fi
  out=$(aws --version 2>&1 </dev/null) || status=$?
  out=$(first_line "$out")
  if ((status != 0)) || [[ $out != aws-cli/* ]]; then
    report missing aws "aws --version fails: $out; reinstall: $(fix "brew reinstall awscli" "$linux")"
  elif [[ $out == aws-cli/1.* ]]; then
    report warn aws "${out%% *} is v1: just up works, but just logs and just redeploy need v2 (aws logs tail): $(fix "brew install awscli" "$linux"), and put it ahead of v1 on PATH"
  else
    report ok aws "${out%% *}"
  fi
}

# find_region sets region and region_source, once, the way the Pulumi AWS provider picks the
# region: the stack's aws:region, else AWS_REGION or AWS_DEFAULT_REGION, else the AWS CLI profile's.
find_region() {
  [[ -z $region_source ]] || return 0
  region=$(yaml_value "$stack_file" aws:region)
  region_source="aws:region in $stack_file"
  if [[ -z $region && -n ${AWS_REGION:-} ]]; then
    region=$AWS_REGION region_source="AWS_REGION; the stack sets no aws:region"
  elif [[ -z $region && -n ${AWS_DEFAULT_REGION:-} ]]; then
    region=$AWS_DEFAULT_REGION region_source="AWS_DEFAULT_REGION; the stack sets no aws:region"
  elif [[ -z $region ]] && have aws; then
    region=$(aws configure get region ${profile:+--profile "$profile"} 2>/dev/null </dev/null)
    region_source="the AWS CLI's profile ${profile:-${AWS_PROFILE:-default}}; the stack sets no aws:region"
  fi
}

check_credentials() {
  local out status=0 account arn login="aws sso login${profile:+ --profile $profile}"
  find_region
  if ! have aws; then
    report skip credentials "not checked: needs the AWS CLI (above)"
    return
  fi
  out=$(AWS_PAGER="" aws sts get-caller-identity --query '[Account, Arn]' --output text \
    ${profile:+--profile "$profile"} ${region:+--region "$region"} 2>&1 </dev/null) || status=$?
  if ((status == 0)); then
    read -r account arn <<<"$out"
    report ok credentials "account $account as $arn${profile:+ (aws:profile $profile)}"
  else
    report missing credentials "aws sts get-caller-identity fails: $(first_line "$out"); with IAM Identity Center: $login (once before: aws configure sso), or access keys: aws configure; then export AWS_PROFILE=<profile> (README.md, Prerequisites)"
  fi
}

check_region() {
  find_region
  if [[ -n $region ]]; then
    report ok region "$region ($region_source)"
  else
    report missing region "none: the stack sets no aws:region and the AWS CLI has no region; add  aws:region: <region, e.g. us-east-1>  under config: in $stack_file"
  fi
}

check_just() {
  if have just; then
    report ok just "$(just --version 2>&1 </dev/null)"
  else
    report missing just "not installed; every recipe runs with it: $(fix "brew install just" "curl --proto '=https' --tlsv1.2 -sSf https://just.systems/install.sh | bash -s -- --to ~/.local/bin")"
  fi
}

# ${1+"$@"}: bash 3.2 under set -u treats an empty "$@" as unbound.
main ${1+"$@"}
