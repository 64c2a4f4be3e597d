package io.loomcluster.app.errors;

import java.time.Duration;

/**
 * What business code throws when a request cannot be done: a kind (one subclass each) and the words
 * the client sees. Services know nothing of HTTP; {@code ErrorMapping} decides, in one place, the
 * status and problem type of each kind, for REST and GraphQL alike.
 */
public abstract sealed class DomainException extends RuntimeException
        permits DomainException.NotFound, DomainException.Forbidden, DomainException.InvalidInput,
        DomainException.Conflict, DomainException.Rejected, DomainException.LimitReached,
        DomainException.Unavailable {
    private final String title;

    private DomainException(String title, String detail) {
        super(detail, null, false, false);
        this.title = title;
    }

    /** The short, stable name of what went wrong (the problem's title). */
    public String title() {
        return title;
    }

    public String detail() {
        return getMessage();
    }

    /** The thing asked for does not exist. */
    public static final class NotFound extends DomainException {
        public NotFound(String detail) {
            super("Not found", detail);
        }
    }

    /** The user may not do this (not a member of the room, ...). */
    public static final class Forbidden extends DomainException {
        public Forbidden(String detail) {
            super("Forbidden", detail);
        }
    }

    /** The input breaks a rule; the detail names the field and the rule. */
    public static final class InvalidInput extends DomainException {
        public InvalidInput(String detail) {
            super("Invalid request", detail);
        }
    }

    /** The request collides with the current state (a name taken, a request still in progress). */
    public static final class Conflict extends DomainException {
        public Conflict(String title, String detail) {
            super(title, detail);
        }
    }

    /** Well-formed and not conflicting, but refused for what it refers to (a key reused for another room). */
    public static final class Rejected extends DomainException {
        public Rejected(String title, String detail) {
            super(title, detail);
        }
    }

    /** A limit was reached; the same request may succeed after {@code retryAfter}. */
    public static final class LimitReached extends DomainException {
        private final Duration retryAfter;

        public LimitReached(String title, String detail, Duration retryAfter) {
            super(title, detail);
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    /** A server this needs (PostgreSQL, Redis) cannot be reached now; retrying shortly is the answer. */
    public static final class Unavailable extends DomainException {
        private final Duration retryAfter;

        public Unavailable(String detail, Duration retryAfter) {
            super("Service unavailable", detail);
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }
}
