#!/usr/bin/env bash
# Start the station on the embedded defaults: a demo station in .demo/ (provisioned on first
# start with development receiver keys), on the real display, or on Xvfb when there is none.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${VENV:-.venv}
DEMO=${INTAKE_DEMO_DIR:-.demo}
CLI=("$VENV/bin/intake-station")
# The demo admin's password: demo stations hold no real data (see README).
DEMO_ADMIN_PASSWORD='demo-admin-2026'

if [ ! -d "$DEMO/station/store" ]; then
    echo "[intake-station] Provisioning a demo station in $DEMO/station"
    "${CLI[@]}" dev-receiver-keys --out "$DEMO/keys" >/dev/null
    printf '%s\n' "$DEMO_ADMIN_PASSWORD" | "${CLI[@]}" --data-dir "$DEMO/station" \
        --password-stdin init --bundle "$DEMO/keys/provisioning-bundle.json" --demo \
        --admin-id admin --admin-name "Quản trị trạm thử" --code DEMO-01 \
        --name "Trạm thử nghiệm"
fi
echo "[intake-station] Demo login: admin / $DEMO_ADMIN_PASSWORD"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "[intake-station] No display found: the window runs on a virtual display (Xvfb)."
    exec xvfb-run -a -s "-screen 0 1366x768x24" "${CLI[@]}" --data-dir "$DEMO/station" run "$@"
fi
exec "${CLI[@]}" --data-dir "$DEMO/station" run "$@"
