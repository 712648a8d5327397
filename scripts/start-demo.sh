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
# The demo staff's passwords: demo stations hold no real data (see README).
DEMO_ADMIN_PASSWORD='demo-quanly-2026'
DEMO_OPERATOR_PASSWORD='demo-canbo-2026'
DEMO_SUPERVISOR_PASSWORD='demo-kiemduyet-2026'

demo_staff() {  # id, full name, role, password: added by the admin, first password changed
    printf '%s\n%s\n' "$DEMO_ADMIN_PASSWORD" "$4-first" | "${CLI[@]}" --data-dir "$DEMO/station" \
        --password-stdin operators add "$1" --full-name "$2" --role "$3" --as admin >/dev/null
    printf '%s\n%s\n' "$4-first" "$4" | "${CLI[@]}" --data-dir "$DEMO/station" \
        --password-stdin passwd --as "$1" >/dev/null
}

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
    demo_staff canbo01 "Trần Văn Bình" operator "$DEMO_OPERATOR_PASSWORD"
    demo_staff totruong "Lê Thị Cúc" supervisor "$DEMO_SUPERVISOR_PASSWORD"
fi

echo "[intake-station] Local receiver on https://127.0.0.1:$PORT (data in $DEMO/receiver)"
"${RECEIVER[@]}" serve --keys "$DEMO/keys/receiver-keys.json" --data "$DEMO/receiver" \
    --host 127.0.0.1 --port "$PORT" \
    --tls-cert "$DEMO/keys/receiver-tls.pem" --tls-key "$DEMO/keys/receiver-tls.key" \
    >"$DEMO/receiver.log" 2>&1 &
RECEIVER_PID=$!
trap 'kill "$RECEIVER_PID" 2>/dev/null || true' EXIT

echo "[intake-station] Demo logins: canbo01 / $DEMO_OPERATOR_PASSWORD (operator)," \
    "totruong / $DEMO_SUPERVISOR_PASSWORD (supervisor), admin / $DEMO_ADMIN_PASSWORD"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "[intake-station] No display found: the window runs on a virtual display (Xvfb)."
    xvfb-run -a -s "-screen 0 1366x768x24" "${CLI[@]}" --data-dir "$DEMO/station" run "$@"
else
    "${CLI[@]}" --data-dir "$DEMO/station" run "$@"
fi
