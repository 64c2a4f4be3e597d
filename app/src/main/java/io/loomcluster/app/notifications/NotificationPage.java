package io.loomcluster.app.notifications;

import java.util.List;

/** A page of notifications, oldest first; {@code next} is the {@code after} of the next page, null at the end. */
public record NotificationPage(List<Notification> items, Long next, long unread) {
}
