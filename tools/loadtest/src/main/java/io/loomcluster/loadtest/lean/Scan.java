package io.loomcluster.loadtest.lean;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What the lean subscribers read from an event's bytes, on a byte array they own: a reused buffer
 * that grows to the longest line or frame seen (copying from Netty's buffer in one call, not a
 * checked {@code getByte} per byte: that was 15 % of an event loop's CPU), needle search and
 * decimal numbers.
 */
final class Scan {
    private static final int INITIAL = 512;

    private byte[] bytes = new byte[INITIAL];
    private int length;
    private final int max;
    private boolean overlong;

    /** {@code max}: the longest content kept; beyond it {@link #overlong()} is true and the rest dropped. */
    Scan(int max) {
        this.max = max;
    }

    /** Appends {@code count} bytes of {@code from} starting at {@code index}, growing up to the maximum. */
    void append(ByteBuf from, int index, int count) {
        int needed = length + count;
        if (needed > bytes.length && bytes.length < max) {
            bytes = Arrays.copyOf(bytes, Math.min(max, Math.max(needed, bytes.length * 2)));
        }
        int taken = Math.min(count, bytes.length - length);
        if (taken < count) {
            overlong = true;
        }
        from.getBytes(index, bytes, length, taken);
        length += taken;
    }

    void clear() {
        length = 0;
        overlong = false;
    }

    int length() {
        return length;
    }

    boolean overlong() {
        return overlong;
    }

    byte at(int index) {
        return bytes[index];
    }

    boolean startsWith(byte[] prefix, int end) {
        if (end < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The first index of {@code needle} before {@code end}, or -1. */
    int indexOf(byte[] needle, int end) {
        outer:
        for (int i = 0; i + needle.length <= end; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (bytes[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The decimal number starting at {@code from} (before {@code end}), or -1 when there is none. */
    long number(int from, int end) {
        if (from < 0) {
            return -1;
        }
        long value = 0;
        int i = from;
        for (; i < end && bytes[i] >= '0' && bytes[i] <= '9'; i++) {
            value = value * 10 + (bytes[i] - '0');
        }
        return i == from ? -1 : value;
    }

    /** The bytes from {@code from} up to the next {@code "} (or {@code end}) as UTF-8 text. */
    String quoted(int from, int end) {
        int to = from;
        while (to < end && bytes[to] != '"') {
            to++;
        }
        return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }
}
