#!/usr/bin/env bash
# Start the station on the embedded defaults: a demo station in .demo/ (provisioned on first
# start with development receiver keys), a local reference receiver beside it over TLS (pinned
# certificate), simulated devices where no hardware is found; the window opens on the real
# display, or on Xvfb when there is none.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${VENV:-.venv}
DEMO=${INTAKE_DEMO_DIR:-.demo}
PORT=${INTAKE_DEMO_RECEIVER_PORT:-8443}
CLI=("$VENV/bin/intake-station")
RECEIVER=("$VENV/bin/intake-station-receiver")
# The demo admin's password: demo stations hold no real data (see README).
DEMO_ADMIN_PASSWORD='demo-admin-2026'

if [ ! -d "$DEMO/station/store" ]; then
    echo "[intake-station] Provisioning a demo station in $DEMO/station"
    "${CLI[@]}" dev-receiver-keys --out "$DEMO/keys" --url "https://127.0.0.1:$PORT" >/dev/null
    printf '%s\n' "$DEMO_ADMIN_PASSWORD" | "${CLI[@]}" --data-dir "$DEMO/station" \
        --password-stdin init --bundle "$DEMO/keys/provisioning-bundle.json" --demo \
        --admin-id admin --admin-name "Quản trị trạm thử" --code DEMO-01 \
        --name "Trạm thử nghiệm"
    printf '%s\n' "$DEMO_ADMIN_PASSWORD" | "${CLI[@]}" --data-dir "$DEMO/station" \
        --password-stdin registration export --as admin --out "$DEMO/keys/station-registration.json"
    "${RECEIVER[@]}" register-station "$DEMO/keys/station-registration.json" --data "$DEMO/receiver"
fi

echo "[intake-station] Local receiver on https://127.0.0.1:$PORT (data in $DEMO/receiver)"
"${RECEIVER[@]}" serve --keys "$DEMO/keys/receiver-keys.json" --data "$DEMO/receiver" \
    --host 127.0.0.1 --port "$PORT" \
    --tls-cert "$DEMO/keys/receiver-tls.pem" --tls-key "$DEMO/keys/receiver-tls.key" \
    >"$DEMO/receiver.log" 2>&1 &
RECEIVER_PID=$!
trap 'kill "$RECEIVER_PID" 2>/dev/null || true' EXIT

echo "[intake-station] Demo login: admin / $DEMO_ADMIN_PASSWORD"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "[intake-station] No display found: the window runs on a virtual display (Xvfb)."
    xvfb-run -a -s "-screen 0 1366x768x24" "${CLI[@]}" --data-dir "$DEMO/station" run "$@"
else
    "${CLI[@]}" --data-dir "$DEMO/station" run "$@"
fi
