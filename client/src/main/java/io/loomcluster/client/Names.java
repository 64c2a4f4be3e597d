package io.loomcluster.client;

/** Header names of the API that the client reads or sends. */
public final class Names {
    public static final String INSTANCE_ID = io.loomcluster.contract.Names.INSTANCE_ID_HEADER;
    public static final String REQUEST_ID = io.loomcluster.contract.Names.REQUEST_ID_HEADER;
    public static final String IDEMPOTENCY_KEY = io.loomcluster.contract.Names.IDEMPOTENCY_KEY_HEADER;
    public static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";
    public static final String LAST_EVENT_ID = "Last-Event-ID";
    public static final String SESSION_COOKIE = "SESSION";

    private Names() {
    }
}
