package io.loomcluster.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The set-up of a race test: several platform threads released at one instant to run the same body,
 * then joined. A failure (an assertion or an exception) in any thread fails the test.
 */
public final class Race {
    private Race() {
    }

    /** Runs {@code body} on {@code threads} threads at once, passing each its index; returns when all are done. */
    public static void run(int threads, Body body) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Thread> started = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++) {
            int index = t;
            started.add(Thread.ofPlatform().name("race-", t).start(() -> {
                try {
                    go.await();
                    body.run(index);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            }));
        }
        go.countDown();
        for (Thread thread : started) {
            thread.join();
        }
        if (failed.get() != null) {
            throw new AssertionError("a racing thread failed", failed.get());
        }
    }

    /** What each thread runs. */
    @FunctionalInterface
    public interface Body {
        void run(int thread) throws Exception;
    }
}
