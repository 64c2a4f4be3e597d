package io.loomcluster.loadtest.lean;

import java.time.Instant;

/** Wall-clock microseconds: posts carry them, subscribers on the same machine subtract them. */
final class LeanClock {
    private LeanClock() {
    }

    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }
}
