package io.loomcluster.loadtest.lean;

/** A lean subscriber of either transport, as the report reads it. */
interface LeanSubscriber {
    Tally tally();

    boolean open();
}
