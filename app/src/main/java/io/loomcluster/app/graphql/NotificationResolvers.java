package io.loomcluster.app.graphql;

import graphql.schema.DataFetchingEnvironment;
import io.loomcluster.app.notifications.Notification;
import io.loomcluster.app.notifications.NotificationPage;
import io.loomcluster.app.notifications.NotificationService;

/** GraphQL over the user's notifications: the same service, and so the same rules, as REST. */
public final class NotificationResolvers {
    private final NotificationService notifications;

    public NotificationResolvers(NotificationService notifications) {
        this.notifications = notifications;
    }

    NotificationPage notifications(DataFetchingEnvironment env) {
        long after = Resolvers.id(env.getArgument("after"), "after", 0);
        return notifications.page(Resolvers.session(env).userId(), after, Resolvers.limit(env, 50));
    }

    long markRead(DataFetchingEnvironment env) {
        return notifications.markRead(Resolvers.session(env).userId(), Resolvers.id(env.getArgument("upTo"), "upTo", 0));
    }

    static String createdAt(DataFetchingEnvironment env) {
        return env.<Notification>getSource().createdAt().toString();
    }
}
