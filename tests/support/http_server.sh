# Sourced by shell tests: start_http_server BINARY LOG [ARGS...] starts nessus-mcp on a free
# loopback port and sets $server_pid and $port (read from its "listening on" log line).
start_http_server() {
  local binary=$1 log=$2
  shift 2
  "$binary" --http 127.0.0.1:0 --log-level info --log-format json "$@" 2>"$log" &
  server_pid=$!
  port=""
  for _ in $(seq 1 500); do
    port=$(grep -o '"port":[0-9]*' "$log" | head -1 | cut -d: -f2 || true)
    [ -n "$port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.02
  done
  echo "nessus-mcp did not start:" >&2
  cat "$log" >&2
  return 1
}
