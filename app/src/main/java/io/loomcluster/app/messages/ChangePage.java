package io.loomcluster.app.messages;

import java.util.List;

/** One page of a room's change log; {@code next} is the last position of a full page (pass it as {@code after}), else null. */
public record ChangePage(List<Change> items, Long next) {
}
