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

# A free TCP port on loopback, from 20000-32767: below Linux's ephemeral range (32768-60999),
# where an outgoing connection's local port can make a listener's bind fail although nothing
# listens there (the image build's training etcd once failed so: "address already in use").
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12768))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
