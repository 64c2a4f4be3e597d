package io.loomcluster.loadtest.cli;

/** The help text; kept in step with the options table of docs/loadtest.md. */
public final class Usage {
    public static final String TEXT = """
            usage: scripts/loadtest [options]
                   scripts/compare [options] URL URL [URL...]
                   scripts/loadtest idle --url URL [--connections N]

            load (open model unless --users is given):
              --scenario S        browse | chat | connections | mixed            (browse)
              --url URL[,URL]     base URL(s); requests alternate between them   (http://127.0.0.1:8080)
              --rate R            arrivals per second, constant                  (20; connections: 50)
              --ramp FROM:TO      arrival rate moving linearly from FROM to TO
              --ramp-time D       length of the ramp, then TO holds              (the whole duration)
              --users N           closed model: N users, each waits for its reply
              --think D           closed model: pause between a user's requests  (0ms)
              --duration D        measured window, e.g. 30s, 2m, 1m30s           (30s)
              --warmup D          unrecorded load of the same shape before it    (0s)
              --max-requests N    stop offering load after N operations          (no limit)
              --max-in-flight N   open model cap; arrivals over it are dropped   (512)
              --timeout D         per-request timeout                            (10s)
              --grace D           after the window, wait this long for in-flight (5s)
            scenario:
              --transport T       ws | sse | longpoll | mix (each in turn), for chat/connections/mixed (longpoll)
              --mix W             mixed weights, e.g. browse=7,chat=3            (browse=7,chat=3)
              --rooms N           rooms created for the run                      (4)
              --accounts N        accounts registered and logged in once         (10; closed: min(users,50))
              --subscribers N     chat: live subscribers over rooms and targets  (rooms x max(2, targets))
              --connections N     connections: live subscribers to open and hold (100)
              --post-rate R       connections: messages per second once all open (2)
              --message-bytes N   chat payload size                              (64)
            output:
              --out DIR           report folder                      (tools/loadtest/reports/<timestamp>)
              --slo SPEC          e.g. "p99<50ms,errors<0.1%,rate>200"; exit 3 when not met
                                  metrics: p50 p90 p99 p999 max mean delivery.p99 errors (N or N%) rate
              --setup-timeout D   bound on creating accounts, rooms, subscribers (120s)
              --cleanup           leave the run's rooms at the end (accounts stay, namespaced lt<run>_<n>)
              --quiet             no progress line
              --rounds N          compare: rounds of A B C ...                   (3)

            idle: open N keep-alive connections (10000), one GET answered on each, then hold them
                  open and silent until stopped; prints "holding N" once all are open

            exit: 0 done, 1 the run could not be set up, 2 bad options, 3 an objective was not met,
                  4 the hard deadline passed (a bug: every run is bounded)
            """;

    private Usage() {
    }
}
