package io.loomcluster.testing;

import io.loomcluster.client.LoomClient;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.client.Session;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Users for the tests, talking to real instances through the client library. Each claims its own
 * client address through {@code X-Forwarded-For} (the instances trust loopback as a proxy), so that
 * login limits per address only meet in the tests that want them to. Calls are sent once (no
 * retries): the tests assert on exactly what the server answered.
 */
public final class TestUsers {
    public static final String PASSWORD = "correct horse battery";
    private static final HttpClient HTTP = LoomClient.newHttpClient(Duration.ofSeconds(5));
    private static final String RUN = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    private static final AtomicInteger USERS = new AtomicInteger();

    private TestUsers() {
    }

    /** An anonymous user of {@code base} from a random address. */
    public static Session at(URI base) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return at(base, "198.18." + r.nextInt(256) + "." + r.nextInt(1, 255));
    }

    public static Session at(URI base, String address) {
        return LoomClient.builder(base).http(HTTP).timeout(Duration.ofSeconds(40)).retry(RetryPolicy.NONE)
                .header("X-Forwarded-For", address).build().anonymous();
    }

    /** A fresh user (a unique name from the prefix), registered and logged in. */
    public static Session signUp(URI base, String prefix) {
        return signUp(at(base), prefix);
    }

    public static Session signUp(Session anonymous, String prefix) {
        String name = uniqueUsername(prefix);
        anonymous.register(name, PASSWORD);
        anonymous.logIn(name, PASSWORD);
        return anonymous;
    }

    public static String uniqueUsername(String prefix) {
        return (prefix + "_" + RUN + "_" + USERS.incrementAndGet()).toLowerCase();
    }

    /** The sum of a Prometheus series (all its labels) on an instance's {@code /metrics}; 0 when absent. */
    public static double metric(URI instance, String name) {
        return at(instance).get("/metrics").body().lines()
                .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }
}
