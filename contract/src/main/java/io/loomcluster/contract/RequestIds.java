package io.loomcluster.contract;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one rule for {@code X-Request-Id}, applied by the balancer and by the app alike: a client's id
 * is kept when it is 1-128 characters of {@code [A-Za-z0-9._:-]} (UUIDs, W3C trace ids, most
 * tracers' ids), otherwise it is replaced by a new random UUID. The balancer decides first and
 * passes its choice on; the app, applying the same rule, keeps it, so one request has one id in
 * both processes' logs and in the response. The characters are few on purpose: an id is written
 * into log lines, JSON bodies and headers, where quotes, {@code =}, {@code ;} or control
 * characters could forge or break a field.
 */
public final class RequestIds {
    public static final int MAX_LENGTH = 128;

    private RequestIds() {
    }

    /** The client's id when {@link #acceptable}, else a new one. */
    public static String acceptOrCreate(String fromClient) {
        return fromClient != null && acceptable(fromClient) ? fromClient : create();
    }

    public static boolean acceptable(String id) {
        int length = id.length();
        if (length == 0 || length > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = id.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /**
     * A random (version 4) UUID. Ids are not secrets: {@link ThreadLocalRandom} rather than
     * {@link UUID#randomUUID()}, whose SecureRandom is slow and contended on a request path.
     */
    public static String create() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long most = (random.nextLong() & ~0xF000L) | 0x4000L;
        long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(most, least).toString();
    }
}
