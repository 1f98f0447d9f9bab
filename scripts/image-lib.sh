# Shell functions of the image scripts that run processes (image-aot.sh, image-test.sh); sourced.

# Polls a command for up to $1 seconds, five times a second; returns 1 when time runs out.
await() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# A free TCP port on loopback, from 30000-59999.
free_port() {
  local port
  while :; do
    port=$((30000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
