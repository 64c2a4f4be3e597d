package io.loomcluster.client;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SseParserTest {

    private static List<SseEvent> parse(String text) {
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            SseEvent event = parser.line(line);
            if (event != null) {
                events.add(event);
            }
        }
        return events;
    }

    @Test
    void eventsCarryTheirIdTypeAndDataAndDefaultToMessage() {
        List<SseEvent> events = parse("id: 7\nevent: message\ndata: {\"id\":7}\n\nid: 8\ndata: {\"id\":8}\n\n");

        assertThat(events).extracting(SseEvent::id).containsExactly("7", "8");
        assertThat(events).extracting(SseEvent::event).containsExactly("message", "message");
        assertThat(events).extracting(SseEvent::data).containsExactly("{\"id\":7}", "{\"id\":8}");
    }

    @Test
    void commentsRetryAndBlankLinesWithoutDataAreNoEvents() {
        assertThat(parse("retry: 2000\n: connected\n\n: ping\n\n\n")).isEmpty();
    }

    @Test
    void dataLinesAreJoinedWithNewlinesAndOneLeadingSpaceIsDropped() {
        List<SseEvent> events = parse("data:first\ndata:  second\ndata\n\n");

        assertThat(events).singleElement().extracting(SseEvent::data).isEqualTo("first\n second\n");
    }

    @Test
    void aNamedEventKeepsItsType() {
        List<SseEvent> events = parse("event: close\ndata: {\"reason\":\"you left the room\"}\n\n");

        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.event()).isEqualTo("close");
            assertThat(e.id()).isNull();
            assertThat(e.data()).contains("you left the room");
        });
    }

    @Test
    void anEventWithoutItsBlankLineIsNotDispatched() {
        assertThat(parse("id: 9\ndata: {\"id\":9}")).isEmpty();
    }
}
