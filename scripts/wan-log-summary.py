#!/usr/bin/env python3
"""Summarizes one run's WanProxy log (see src/test/java/dev/exporter/testing/WanProxy.java) for scripts/bench.

    wan-log-summary.py LOG RTT_MS LAYER_DIGESTS_FILE [--timeline]

Prints "connections requests ranged tls_probes first_layer_get_rtts wire_seconds max_parallel": connections
opened, HTTP requests sent, requests with a Range header, connections that began with a TLS ClientHello (https
probes of the plain-HTTP registry), when the first whole-blob GET of a layer left the client, in round trips after
the first connection opened (start-up inside the client is not counted, only the wire), the time from the first
connect to the last hang-up (the proxy logs a close one round trip after the client hangs up: FIN to the registry
and the registry's FIN back), and the most connections open at once. With --timeline it prints every event instead, with its time in round trips, for reading by hand.
"""
import sys


def main():
    log, rtt_ms, digests_file = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    timeline = "--timeline" in sys.argv[4:]
    layers = set(open(digests_file).read().split())
    events = []
    for line in open(log):
        parts = line.split()
        if len(parts) >= 3:
            events.append((float(parts[0]), parts[1], parts[2], parts[3:]))
    events.sort(key=lambda e: e[0])  # request events carry their (later) departure time, so lines are not in order
    opens = [e for e in events if e[2] == "open"]
    if not opens:
        print("0 0 0 0 - 0")
        return
    t0 = opens[0][0]
    if timeline:
        for t, conn, what, rest in events:
            print("%8.1f ms %5.2f RTT %s %s %s" % (t - t0, (t - t0) / rtt_ms, conn, what, " ".join(rest)))
        return
    requests = [e for e in events if e[2].isupper() and e[3]]
    ranged = [e for e in requests if any(r.startswith("range=") for r in e[3])]
    tls = [e for e in events if e[2] == "tls-hello"]
    layer_gets = [e[0] for e in requests
                  if e[2] == "GET" and len(e[3]) == 1 and e[3][0].rsplit("/", 1)[-1] in layers]
    first_layer = "%.1f" % ((min(layer_gets) - t0) / rtt_ms) if layer_gets else "-"
    closes = [e[0] for e in events if e[2] in ("close", "abort")]
    wire = "%.2f" % ((max(closes) - t0 - rtt_ms) / 1000) if closes else "-"
    open_now = most = 0
    for e in events:
        if e[2] == "open":
            open_now += 1
            most = max(most, open_now)
        elif e[2] in ("close", "abort"):
            open_now -= 1
    print(len(opens), len(requests), len(ranged), len(tls), first_layer, wire, most)


if __name__ == "__main__":
    main()
