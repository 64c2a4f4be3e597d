package io.loomcluster.client;

/**
 * The Server-Sent Events grammar (WHATWG HTML, "event stream interpretation"), fed one line at a
 * time: comments ({@code :ping}) and {@code retry} are skipped, a field's value loses one leading
 * space, {@code data} lines are joined with '\n', and a blank line completes an event that has data.
 * Not thread-safe: one parser per stream.
 */
public final class SseParser {
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String event;
    private String id;

    /** Feeds one line (without its line ending); returns the event it completes, or null. */
    public SseEvent line(String line) {
        if (line.isEmpty()) {
            return dispatch();
        }
        if (line.charAt(0) == ':') {
            return null;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(line.length() > colon + 1 && line.charAt(colon + 1) == ' '
                ? colon + 2 : colon + 1);
        switch (field) {
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "event" -> event = value;
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    id = value;
                }
            }
            default -> { }
        }
        return null;
    }

    private SseEvent dispatch() {
        SseEvent complete = hasData ? new SseEvent(id, event == null || event.isEmpty() ? "message" : event,
                data.toString(), System.nanoTime()) : null;
        data.setLength(0);
        hasData = false;
        event = null;
        id = null;
        return complete;
    }
}
