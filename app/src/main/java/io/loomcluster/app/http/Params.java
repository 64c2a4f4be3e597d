package io.loomcluster.app.http;

import io.javalin.http.Context;

/** Path and query parameters parsed strictly: a bad value is a 400 naming the parameter. */
public final class Params {
    private Params() {
    }

    public static long pathId(Context ctx, String name) {
        String raw = ctx.pathParam(name);
        long id = parseLong(raw, -1);
        if (id <= 0) {
            throw ApiException.badRequest(name + " must be a positive whole number, got '" + abbreviate(raw) + "'");
        }
        return id;
    }

    public static int queryInt(Context ctx, String name, int fallback, int min, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        long value = parseLong(raw, Long.MIN_VALUE);
        if (value < min || value > max) {
            throw ApiException.badRequest(name + " must be a whole number from " + min + " to " + max
                    + ", got '" + abbreviate(raw) + "'");
        }
        return (int) value;
    }

    public static long queryLong(Context ctx, String name, long fallback) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        long value = parseLong(raw, -1);
        if (value < 0) {
            throw ApiException.badRequest(name + " must be a non-negative whole number, got '" + abbreviate(raw) + "'");
        }
        return value;
    }

    private static long parseLong(String raw, long invalid) {
        if (raw == null || raw.isEmpty() || raw.length() > 19) {
            return invalid;
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < '0' || c > '9') {
                return invalid;
            }
        }
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            return invalid;
        }
    }

    private static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
