package io.loomcluster.app.errors;

import io.loomcluster.app.errors.DomainException.InvalidInput;

/** The rules of user-supplied text fields; each failure is an {@link InvalidInput} that names the field and the rule. */
public final class Text {
    private Text() {
    }

    /** Checks presence, length in characters (code points) and that PostgreSQL can store it. */
    public static String require(String field, String value, int min, int max) {
        if (value == null) {
            throw new InvalidInput(field + " is required");
        }
        int length = value.codePointCount(0, value.length());
        if (length < min || length > max) {
            throw new InvalidInput(field + " must be " + min + " to " + max + " characters long, got " + length);
        }
        checkStorable(field, value);
        return value;
    }

    public static String optional(String field, String value, int max) {
        return value == null ? null : require(field, value, 0, max);
    }

    // PostgreSQL text cannot hold NUL, and a lone surrogate is not valid UTF-8: both would fail in the database.
    private static void checkStorable(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\u0000') {
                throw new InvalidInput(field + " must not contain NUL characters");
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    throw new InvalidInput(field + " contains an unpaired surrogate (invalid Unicode)");
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                throw new InvalidInput(field + " contains an unpaired surrogate (invalid Unicode)");
            }
        }
    }
}
