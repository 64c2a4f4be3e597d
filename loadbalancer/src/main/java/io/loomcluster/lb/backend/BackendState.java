package io.loomcluster.lb.backend;

/** Whether a backend may take new requests; only {@link #HEALTHY} ones are selected. */
public enum BackendState {
    /** Discovered, not yet checked. */
    NEW,
    /** Passing checks; takes new requests. */
    HEALTHY,
    /** Readiness answered 503: takes no new requests, in-flight ones finish. */
    DRAINING,
    /** Failed checks or connections; readmitted after consecutive passing checks. */
    EJECTED,
    /** No longer discovered; in-flight requests finish. */
    REMOVED
}
