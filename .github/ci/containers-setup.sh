#!/usr/bin/env bash
# The container tests' engine setup on GitHub's runners (CONTAINERS_SETUP for tests/compose): Docker
# and Compose v2 are installed there and Docker Hub is reachable, so there are no stand-ins to
# build; the images use their pinned official base images. (On the project's own CI machines
# ../shared/containers/setup installs Docker from Debian and exports stand-in base images instead.)
set -euo pipefail
docker info --format 'containers: Docker {{.ServerVersion}} on {{.OSType}}/{{.Architecture}}' >&2
docker compose version >&2
