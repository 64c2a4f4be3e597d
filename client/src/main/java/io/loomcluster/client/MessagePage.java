package io.loomcluster.client;

import java.util.List;

/** Messages after an id, ascending; {@code next} is the id to continue after (null when there is no more now). */
public record MessagePage(List<Message> items, Long next) {
}
