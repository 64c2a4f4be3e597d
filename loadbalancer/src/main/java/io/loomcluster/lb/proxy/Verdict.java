package io.loomcluster.lb.proxy;

import io.loomcluster.lb.routing.ServicePool;

/** What the balancer does with a request whose head has arrived ({@link Admission}). */
sealed interface Verdict {

    /** To a backend of {@code pool}, the body framed as {@code body}. */
    record Forward(ServicePool pool, BodyPlan body) implements Verdict {
    }

    /**
     * Answered by the balancer with a problem+json body. {@code retryAfter} in seconds or null;
     * {@code close}: the connection ends after the answer (the request could not be read to its
     * end safely); otherwise a small body is read and dropped first and the connection stays open.
     */
    record Refuse(int status, String detail, String retryAfter, boolean close) implements Verdict {
        static Refuse closing(int status, String detail) {
            return new Refuse(status, detail, null, true);
        }

        static Refuse keeping(int status, String detail, String retryAfter) {
            return new Refuse(status, detail, retryAfter, false);
        }
    }

    /** {@code LB_HTTPS_REDIRECT}: 308 to the same target on the HTTPS port. */
    record Redirect(String location) implements Verdict {
    }
}
