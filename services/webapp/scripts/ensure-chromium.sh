#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it; no browser is ever downloaded
# by Playwright itself), and nginx-light to run the image's nginx.conf for real.
# Idempotent: does nothing when both are already there.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/sbin/nginx ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium nginx-light fonts-dejavu-core >/dev/null
test -x /usr/bin/chromium
test -x /usr/sbin/nginx
