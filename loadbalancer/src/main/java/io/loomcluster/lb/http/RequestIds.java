package io.loomcluster.lb.http;

import io.loomcluster.contract.Names;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** {@code X-Request-Id}: the client's when it is sane, otherwise a new random UUID. */
public final class RequestIds {
    public static final String HEADER = Names.REQUEST_ID_HEADER;
    private static final int MAX_LENGTH = 128;

    private RequestIds() {
    }

    public static String acceptOrCreate(String fromClient) {
        return fromClient != null && isSane(fromClient) ? fromClient : create();
    }

    // UUID.randomUUID() draws from SecureRandom, which is slow and contended on the request path.
    static String create() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long most = (random.nextLong() & ~0xF000L) | 0x4000L;
        long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(most, least).toString();
    }

    private static boolean isSane(String value) {
        int length = value.length();
        if (length == 0 || length > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }
}
