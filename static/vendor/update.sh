#!/usr/bin/env bash
# Re-vendor the front-end libraries from the npm registry at the pinned versions below. The pages must load from
# mainland China with no outside host, so these files are served from our own static/, never from a CDN.
# Source-map comments are removed: the maps are not shipped, and a dangling reference breaks hashed static storage.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

BOOTSTRAP=5.3.9
CHARTJS=4.6.1
HTMX=2.0.11
# The compiler of the student portal's cut of Bootstrap (bootstrap-portal.scss), run from npm, never shipped.
SASS=1.108.2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "bootstrap@$BOOTSTRAP" "chart.js@$CHARTJS" "htmx.org@$HTMX" >/dev/null)

unpack() { mkdir -p "$work/$1" && tar xzf "$work/$2" -C "$work/$1"; }
copy() { mkdir -p "$(dirname "$2")" && sed '/sourceMappingURL=/d' "$1" >"$2"; }

unpack bootstrap "bootstrap-$BOOTSTRAP.tgz"
unpack chartjs "chart.js-$CHARTJS.tgz"
unpack htmx "htmx.org-$HTMX.tgz"

rm -rf bootstrap chartjs htmx
copy "$work/bootstrap/package/dist/css/bootstrap.min.css" bootstrap/bootstrap.min.css
copy "$work/bootstrap/package/dist/js/bootstrap.bundle.min.js" bootstrap/bootstrap.bundle.min.js
cp "$work/bootstrap/package/LICENSE" bootstrap/LICENSE
# The student portal loads only its own cut of Bootstrap (budget: 250 KB per first load), compiled from the package's
# SCSS with the parts listed in bootstrap-portal.scss. Warnings about Bootstrap's own Sass idioms are silenced.
(cd "$work" && npm install --silent --no-audit --no-fund --no-save --no-package-lock "sass@$SASS" >/dev/null)
"$work/node_modules/.bin/sass" --no-source-map --style=compressed --quiet-deps \
  --silence-deprecation=import,global-builtin,color-functions,if-function \
  --load-path="$work/bootstrap/package/scss" bootstrap-portal.scss bootstrap/bootstrap-portal.min.css
copy "$work/chartjs/package/dist/chart.umd.min.js" chartjs/chart.umd.min.js
cp "$work/chartjs/package/LICENSE.md" chartjs/LICENSE.md
copy "$work/htmx/package/dist/htmx.min.js" htmx/htmx.min.js
cp "$work/htmx/package/LICENSE" htmx/LICENSE
printf 'bootstrap %s\nchart.js %s\nhtmx.org %s\nsass %s (bootstrap/bootstrap-portal.min.css)\n' \
  "$BOOTSTRAP" "$CHARTJS" "$HTMX" "$SASS" >VERSIONS
echo "vendored: $(tr '\n' ' ' <VERSIONS)"
