#!/bin/sh
# Makes the local Redis follow the Halo agent's role: master -> REPLICAOF NO ONE, standby ->
# REPLICAOF <the elected master's address>. Stateless: every round re-reads the agent's role and
# Redis's own replication state and acts only on a difference, so a restart of this hook (or of
# Redis) is repaired by the next round and a repeated round changes nothing.
#
# "halo-redis-role.sh ready" runs one check instead, for a readinessProbe: exit 0 when Redis does
# what the agent says (master and master, or standby and a replica of the leader's address with
# its link up and no sync in progress), else 1. A pod whose Redis has not caught up is not Ready,
# so a rolling update never hands the master over to it.
#
# Environment (all optional):
#   HALO_ROLE_JSON            read the role from this file (the agent's role.json, e.g.
#                             /var/run/halo/role.json); when unset, GET $HALO_AGENT_URL/status
#   HALO_AGENT_URL            the agent's HTTP API (default http://127.0.0.1:8778; needs curl)
#   REDIS_HOST, REDIS_PORT    the local Redis (default 127.0.0.1, 6379); REDISCLI_AUTH for a
#                             password (redis-cli reads it itself, it never shows in ps)
#   REDIS_MASTER_HOST_PATTERN printf pattern turning the leader's pod name into a host name
#                             (default "%s"; in a pod "%s.<headless service>")
#   REDIS_MASTER_PORT         the master's Redis port (default $REDIS_PORT)
#   REDIS_PEERS               "pod=host:port ..." pairs; a leader listed here is reached there
#   REDIS_PEERS_FILE          a file of such pairs, one per line, read every round; a line
#                             "pod:<REDIS_MASTER_PORT>=host:port" is looked up first (the sandbox's
#                             kubelet writes one: docs/sandbox.md)
#   REDIS_MIN_REPLICAS_TO_WRITE  min-replicas-to-write of a master (default 0)
#   HALO_POLL_SECONDS         time between rounds (default 0.5)
set -u

AGENT_URL=${HALO_AGENT_URL:-http://127.0.0.1:8778}
ROLE_JSON=${HALO_ROLE_JSON:-}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
MASTER_PATTERN=${REDIS_MASTER_HOST_PATTERN:-%s}
MASTER_PORT=${REDIS_MASTER_PORT:-$REDIS_PORT}
PEERS=${REDIS_PEERS:-}
PEERS_FILE=${REDIS_PEERS_FILE:-}
MIN_REPLICAS=${REDIS_MIN_REPLICAS_TO_WRITE:-0}
POLL=${HALO_POLL_SECONDS:-0.5}
# A master whose agent no longer vouches for it and that cannot name the new master refuses
# writes: Redis answers NOREPLICAS while fewer replicas than this are connected.
FENCED_MIN_REPLICAS=1000000

log() {
  level=$1
  shift
  printf '%s %-5s halo-redis-role %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$level" "$*" >&2
}

rcli() {
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --no-raw "$@" 2>&1
}

field() { # field <name> <json>: a string or number field of the agent's one-line JSON
  printf '%s' "$2" | sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\)\"\{0,1\}[,}].*/\1/p"
}

# Sets ROLE, LEADER, TERM from the agent; ROLE is "unknown" when the agent cannot be read or its
# file states a master whose validity has run out (the agent is gone or stuck).
read_agent() {
  if [ -n "$ROLE_JSON" ]; then
    state=$(cat "$ROLE_JSON" 2>/dev/null) || state=""
  else
    state=$(curl -fsS --max-time 2 "$AGENT_URL/status" 2>/dev/null) || state=""
  fi
  ROLE=$(field role "$state")
  LEADER=$(field leader "$state")
  TERM=$(field term "$state")
  MEMBER=$(field member "$state")
  [ -n "$ROLE" ] || ROLE=unknown
  if [ -n "$ROLE_JSON" ] && [ "$ROLE" = master ]; then
    # RFC 3339 UTC strings of one format order as the instants do. A date without %N (busybox)
    # gives the end of the current second: the validity then ends up to 1 s early, never late.
    until=$(field validUntil "$state")
    [ "$until" != null ] || until=""
    now=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
    case $now in *N*) now=$(date -u +%Y-%m-%dT%H:%M:%S.999Z) ;; esac
    if [ -z "$until" ] || [ "$(expr "$until" \> "$now")" != 1 ]; then
      ROLE=unknown
    fi
  fi
}

# Sets RROLE (master/slave/unreachable), RHOST, RPORT, RLINK, RSYNCING and RMIN from Redis.
read_redis() {
  info=$(rcli info replication | tr -d '\r')
  RROLE=$(printf '%s\n' "$info" | sed -n 's/^role://p')
  RHOST=$(printf '%s\n' "$info" | sed -n 's/^master_host://p')
  RPORT=$(printf '%s\n' "$info" | sed -n 's/^master_port://p')
  RLINK=$(printf '%s\n' "$info" | sed -n 's/^master_link_status://p')
  RSYNCING=$(printf '%s\n' "$info" | sed -n 's/^master_sync_in_progress://p')
  RMIN=$(rcli config get min-replicas-to-write | tr -d '\r' | sed -n '2p' | tr -d '"')
  [ -n "$RROLE" ] || RROLE=unreachable
}

master_address() { # sets MHOST, MPORT for the pod named $1
  MHOST=""
  for peer in $PEERS; do
    if [ "${peer%%=*}" = "$1" ]; then
      address=${peer#*=}
      MHOST=${address%:*}
      MPORT=${address##*:}
      return
    fi
  done
  if [ -n "$PEERS_FILE" ] && [ -r "$PEERS_FILE" ]; then
    for key in "$1:$MASTER_PORT" "$1"; do
      address=$(sed -n "s/^$key=//p" "$PEERS_FILE" | head -n 1)
      if [ -n "$address" ]; then
        MHOST=${address%:*}
        MPORT=${address##*:}
        return
      fi
    done
  fi
  # shellcheck disable=SC2059
  MHOST=$(printf "$MASTER_PATTERN" "$1")
  MPORT=$MASTER_PORT
}

act() { # act <what>; runs the rest as a redis-cli command, logs what happened
  what=$1
  shift
  out=$(rcli "$@")
  case $out in
    *OK*) log INFO "$what role=$ROLE leader=$LEADER term=$TERM" ;;
    *) log WARN "$what failed: $(printf '%s' "$out" | tr '\n' ' ') role=$ROLE leader=$LEADER term=$TERM" ;;
  esac
}

round() {
  read_agent
  read_redis
  [ "$RROLE" != unreachable ] || return 0
  if [ "$ROLE" = master ]; then
    if [ "$RMIN" != "$MIN_REPLICAS" ]; then
      act "writes accepted again" config set min-replicas-to-write "$MIN_REPLICAS"
    fi
    if [ "$RROLE" != master ]; then
      act "promoted: REPLICAOF NO ONE" replicaof no one
    fi
    return 0
  fi
  # A standby that leads (waiting for a fence) has no master to follow yet.
  if [ "$ROLE" = standby ] && [ -n "$LEADER" ] && [ "$LEADER" != "$MEMBER" ]; then
    master_address "$LEADER"
    if [ "$RROLE" != slave ] || [ "$RHOST" != "$MHOST" ] || [ "$RPORT" != "$MPORT" ]; then
      act "replicates $MHOST:$MPORT" replicaof "$MHOST" "$MPORT"
    fi
    return 0
  fi
  # No role we may act on (no leader known, agent unreadable): a master stops taking writes,
  # a replica keeps following the master it has.
  if [ "$RROLE" = master ] && [ "$RMIN" != "$FENCED_MIN_REPLICAS" ]; then
    act "writes refused: the agent names no master" \
      config set min-replicas-to-write "$FENCED_MIN_REPLICAS"
  fi
}

# Exit 0 when Redis does what the agent says (see the top of this file).
ready() {
  read_agent
  read_redis
  if [ "$ROLE" = master ]; then
    [ "$RROLE" = master ]
    return
  fi
  [ "$ROLE" = standby ] && [ -n "$LEADER" ] && [ "$LEADER" != "$MEMBER" ] || return 1
  master_address "$LEADER"
  [ "$RROLE" = slave ] && [ "$RHOST" = "$MHOST" ] && [ "$RPORT" = "$MPORT" ] &&
    [ "$RLINK" = up ] && [ "$RSYNCING" = 0 ]
}

if [ "${1:-}" = ready ]; then
  ready
  exit $?
fi

trap 'log INFO "stopped"; exit 0' TERM INT
log INFO "started redis=$REDIS_HOST:$REDIS_PORT source=${ROLE_JSON:-$AGENT_URL/status}"
while :; do
  round
  sleep "$POLL"
done
