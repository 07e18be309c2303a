#!/usr/bin/env bash
# Takes the README's screenshots: the real app under Xvfb with a real tray host (trayer) and a
# window manager (openbox), fed by packaging/demo-dashboard.py. Writes docs/screenshots/*.png.
#   packaging/take-screenshots.sh [build dir, default build]
# Needs: xvfb xauth x11-xserver-utils imagemagick trayer xdotool openbox python3-socketio
# python3-aiohttp.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app=$(cd "${1:-$root/build}" && pwd)/app/event-aggregator
out=$root/docs/screenshots
work=$(mktemp -d)
display=:${EA_SCREENSHOT_DISPLAY:-97}
port=18765
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out" "$work/home" "$work/rt" "$work/proj/.claude-mpm"
export HOME=$work/home EA_RUNTIME_DIR=$work/rt DISPLAY=$display XDG_RUNTIME_DIR=$work/rt
cat >"$work/proj/.claude-mpm/configuration.yaml" <<YAML
event_aggregator:
  activity_directory: $work/activity
  dashboard_port: $port
  auto_cleanup_days: 0
  notifications: false
YAML
cd "$work/proj"
# Earlier sessions, already saved: replays of two recorded streams.
for f in legacy-server seed-format; do
    "$app" --headless --replay "$root/tests/fixtures/samples/$f.jsonl" >/dev/null 2>&1
done
# A month of made-up sessions, so the Statistics view has something to chart.
/usr/bin/python3 "$root/packaging/demo-sessions.py" "$work/activity" 240

Xvfb "$display" -screen 0 1400x900x24 -nolisten tcp >/dev/null 2>&1 & pids+=($!)
sleep 1
# A plain desktop background, so the menu stands out as it would on a real desktop.
openbox >/dev/null 2>&1 & pids+=($!)
sleep 0.5
xsetroot -solid '#3d5f8a'
trayer --edge bottom --align right --widthtype request --height 28 --distance 8 --SetDockType true \
    --transparent false --tint 0xe8e8e8 >/dev/null 2>&1 & pids+=($!)
sleep 0.5
# The recorded stream up to a permission prompt (line 94), so one session waits for the user.
head -95 "$root/tests/fixtures/samples/current-server.jsonl" >"$work/stream.jsonl"
/usr/bin/python3 "$root/packaging/demo-dashboard.py" "$work/stream.jsonl" \
    --port $port --burst 95 --interval 0.4 & pids+=($!)
sleep 1.5
"$app" >"$work/app.log" 2>&1 & pids+=($!)
sleep 6

# The tray icon with its attention mark, enlarged, then the menu with "Needs you" and the Live
# Sessions submenu open. trayer sits in the bottom right corner and is as wide as its one icon.
import -window root "$work/desk.png"
convert "$work/desk.png" -crop 28x28+1372+864 +repage -filter point -resize 400% "$out/tray-icon.png"
xdotool mousemove 1386 878 click 3
sleep 0.8
xdotool key Down Down Down Right
sleep 1
import -window root "$work/menu.png"
convert "$work/menu.png" -crop 860x420+540+480 +repage "$out/tray-menu.png"
xdotool key Escape Escape
sleep 0.3

# The browser: a second launch brings the running instance's window forward.
"$app" >/dev/null 2>&1 || true
sleep 2
win=$(xdotool search --name "Sessions" | head -1)
xdotool windowmove "$win" 40 50 windowsize "$win" 1320 800
sleep 1
# A search in the command line's syntax: free text ranks the hits and is marked in the details.
xdotool key ctrl+f
xdotool type --delay 30 'tool:Bash failed login'
xdotool key Return
sleep 1.5
xdotool mousemove 300 180 click 1
sleep 1.5
xdotool mousemove 320 640 click 1
sleep 1
import -frame -window "$win" "$out/session-browser.png"
# The Statistics tab, over every session.
xdotool key ctrl+f ctrl+a BackSpace Return
sleep 1
xdotool key alt+t
sleep 2.5
import -frame -window "$win" "$out/session-statistics.png"
echo "screenshots written to $out"
