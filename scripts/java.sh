#!/usr/bin/env bash
# Installs Debian's Java 17 runtime for the Spark test if no java is on PATH. Prints java's path.
set -euo pipefail
if ! command -v java >/dev/null 2>&1; then
    echo "installing Debian's openjdk-17-jre-headless for the Spark test..." >&2
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; } >&2; then
        echo "error: could not install Java 17 with apt-get (needs root and the Debian mirror)" >&2
        exit 1
    fi
fi
command -v java
