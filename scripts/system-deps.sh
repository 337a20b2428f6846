#!/usr/bin/env bash
# Installs the Debian packages that parts of the test suite need:
#   browser -> chromium (Playwright drives it; its own browser download does not work offline),
#              with fonts for text and colour emoji (the screenshots show both)
#   mysql   -> libmariadb-dev + pkg-config (to build mysqlclient)
#   faults  -> redis-server + postgresql (the fault suite starts private instances of both)
#   calls   -> janus + coturn (the media tests start private instances of both)
#   axe     -> npm (scripts/axe-core.sh fetches axe-core for the browser tests' checks)
# Without root or apt-get it says what to install and fails: it never skips.
set -euo pipefail
need=()
for part in "$@"; do
  case "$part" in
    browser)
      command -v "${PARLEY_CHROMIUM:-chromium}" >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
      dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || need+=(fonts-noto-color-emoji) ;;
    mysql) dpkg -s libmariadb-dev >/dev/null 2>&1 || need+=(libmariadb-dev pkg-config) ;;
    faults)
      command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
      compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql) ;;
    calls)
      command -v janus >/dev/null 2>&1 || need+=(janus)
      command -v turnserver >/dev/null 2>&1 || need+=(coturn) ;;
    axe) command -v npm >/dev/null 2>&1 || need+=(npm) ;;
    "") ;;
    *) echo "system-deps: unknown part '$part'" >&2; exit 2 ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "system-deps: please install these packages first: ${need[*]}" >&2
  echo "  (Debian/Ubuntu: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
