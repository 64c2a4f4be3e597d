package io.loomcluster.lb.access;

import io.loomcluster.testing.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class AccessLogTest {

    @Test
    void linesLoggedFromSeveralThreadsAreEachWrittenOnceOrCountedAsDropped() throws Exception {
        Set<String> written = ConcurrentHashMap.newKeySet();
        AtomicLong duplicates = new AtomicLong();
        AccessLog log = new AccessLog(true, 100, e -> {
            if (!written.add(e.requestId())) {
                duplicates.incrementAndGet();
            }
        });
        int threads = 4;
        int perThread = 5_000;
        List<Thread> loggers = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            loggers.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (int i = 0; i < perThread; i++) {
                    log.log("GET", "/", 200, "b:1", 0, 1000, thread + "-" + i, null);
                }
            }));
        }
        go.countDown();
        for (Thread logger : loggers) {
            logger.join();
        }
        log.close();

        assertThat(duplicates).hasValue(0);
        assertThat(written.size() + log.dropped()).isEqualTo((long) threads * perThread);
        // A queue of 100 against 20 000 lines logged at once: some are dropped, and counted.
        assertThat(log.dropped()).isPositive();
    }

    @Test
    void aDisabledLogSaysSoAndClosesAtOnce() {
        AccessLog log = AccessLog.start(false);
        assertThat(log.enabled()).isFalse();
        log.close();
        assertThat(log.dropped()).isZero();
    }

    @Test
    void whatIsQueuedWhenTheLogClosesIsStillWritten() {
        List<String> written = new java.util.concurrent.CopyOnWriteArrayList<>();
        AccessLog log = new AccessLog(true, 1000, e -> written.add(e.requestId()));
        for (int i = 0; i < 500; i++) {
            log.log("GET", "/", 200, "b:1", 0, 1000, "r" + i, null);
        }
        log.close();
        Await.until("all 500 lines written", Duration.ofSeconds(5), () -> written.size() == 500);
        assertThat(log.dropped()).isZero();
    }
}
