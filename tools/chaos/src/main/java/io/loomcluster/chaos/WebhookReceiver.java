package io.loomcluster.chaos;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A webhook receiver on loopback that does what docs/jobs.md asks of one: it verifies each delivery's
 * Standard Webhooks signature (HMAC-SHA256 of {@code id.timestamp.body} with the {@code whsec_} key,
 * written here from the specification, not with our sender's code), answers 2xx to valid ones and
 * 401 to others, and counts deliveries per {@code webhook-id}, so duplicates (at least once) are
 * seen and deduplicated.
 */
final class WebhookReceiver implements AutoCloseable {
    private static final int MAX_BODY = 64 * 1024;

    private final HttpServer server;
    private final Map<String, byte[]> keys = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    private final AtomicLong arrivals = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** Where deliveries for {@code name} go (register it before its secret is known). */
    URI endpoint(String name) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + name);
    }

    /** The signing secret ({@code whsec_...}) the registration returned for {@code name}. */
    void secret(String name, String secret) {
        keys.put("/" + name, Base64.getDecoder().decode(secret.substring("whsec_".length())));
    }

    /** Valid deliveries by webhook-id (a count above 1 is a duplicate a receiver dedupes). */
    Map<String, AtomicInteger> deliveries() {
        return deliveries;
    }

    long arrivals() {
        return arrivals.get();
    }

    long invalid() {
        return invalid.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            arrivals.incrementAndGet();
            byte[] body = in.readNBytes(MAX_BODY + 1);
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            String timestamp = exchange.getRequestHeaders().getFirst("webhook-timestamp");
            String signatures = exchange.getRequestHeaders().getFirst("webhook-signature");
            byte[] key = keys.get(exchange.getRequestURI().getPath());
            if (body.length > MAX_BODY || key == null || !"POST".equals(exchange.getRequestMethod())
                    || !verified(key, id, timestamp, body, signatures)) {
                invalid.incrementAndGet();
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            deliveries.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
        }
    }

    /** The specification's check: any space-separated {@code v1,<base64>} equal to the expected MAC. */
    static boolean verified(byte[] key, String id, String timestamp, byte[] body, String signatures) {
        if (id == null || timestamp == null || signatures == null) {
            return false;
        }
        byte[] expected;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            expected = mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        for (String signature : signatures.split(" ")) {
            if (signature.startsWith("v1,")) {
                try {
                    if (MessageDigest.isEqual(expected, Base64.getDecoder().decode(signature.substring(3)))) {
                        return true;
                    }
                } catch (IllegalArgumentException e) {
                    // not base64: not a match
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
