#!/usr/bin/env bash
# The README's test command: makes sure the real peers the tests drive are installed, then runs the
# whole suite. On a fresh Debian machine with only a JDK and Maven, run it as root (it installs the
# peers), or install the packages it names first.
set -euo pipefail
cd "$(dirname "$0")"

# command:Debian package. Chromium renders the status page; curl and openssl probe TLS and HTTP/2;
# haproxy, nginx and prometheus are the load balancer, upstream and scraper of the network tests; ss
# (iproute2) counts the TCP segments a response took.
peers=(chromium:chromium curl:curl openssl:openssl haproxy:haproxy nginx:nginx prometheus:prometheus ss:iproute2)
missing=()
for p in "${peers[@]}"; do
  cmd=${p%%:*}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${p#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "test.sh: installing ${missing[*]}"
    apt-get update -qq
    # Installed for the tests only: the packages' own services are not started (the tests start
    # their own instances on loopback).
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test.sh: the tests need these Debian packages; install them, then run ./test.sh again:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

java -version 2>&1 | sed -n 1p  # sed reads to the end: head would close the pipe early (SIGPIPE under pipefail)
mvn -v | sed -n 1p
exec mvn -B verify "$@"
