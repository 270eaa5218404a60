#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests if it is missing. Prints its path.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests..." >&2
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } >&2; then
        echo "error: could not install chromium with apt-get (needs root and the Debian mirror)" >&2
        exit 1
    fi
fi
command -v chromium
