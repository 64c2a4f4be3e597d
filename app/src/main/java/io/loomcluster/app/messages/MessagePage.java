package io.loomcluster.app.messages;

import java.util.List;

/** Messages after an id, ascending; {@code next} is the id to continue after when the page was full. */
public record MessagePage(List<Message> items, Long next) {
}
