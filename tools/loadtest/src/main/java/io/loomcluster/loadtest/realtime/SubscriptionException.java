package io.loomcluster.loadtest.realtime;

import java.io.IOException;

/** The server refused or broke a subscription; the message is the cause shown in the report. */
final class SubscriptionException extends IOException {
    SubscriptionException(String cause) {
        super(cause);
    }
}
