#!/usr/bin/env bash
# docs/event-layer.md: examples/guide/uv_workers.c (two worker threads, one
# port) serves four hello_client connections, then closes itself.
#   guide-workers.sh UV_WORKERS HELLO_CLIENT
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
workers=${1:?} client=${2:?}

start server "$workers" "$PKI/server-rsa-chain.pem" "$PKI/server-rsa.key" 4
for i in 1 2 3 4; do
  timeout 20 "$client" "$PKI/ca.pem" localhost "$PORT" "worker hello $i" >"$WORK/c$i.out" 2>&1 ||
    fail "client $i failed"
  expect_fixed "$WORK/c$i.out" "received: worker hello $i" "client $i: no echo"
done
wait_server || fail "uv_workers exited with an error"
expect_fixed "$WORK/server.out" "worker 1 of 2 listening" "two workers did not start"
expect_fixed "$WORK/server.out" "served 4 connections" "the workers did not close after 4"
if grep -lE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$WORK"/* 2>/dev/null; then
  fail "a sanitizer reported an error"
fi
echo "PASS: workers guide"
