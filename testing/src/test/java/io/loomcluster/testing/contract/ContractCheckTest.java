package io.loomcluster.testing.contract;

import io.loomcluster.client.Exchange;
import io.loomcluster.client.Reply;
import io.loomcluster.client.SseEvent;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the contract check accepts and refuses, on exchanges made up here (the ITs give it real ones). */
class ContractCheckTest {
    private static final ContractCheck CHECK = ContractCheck.enabled();
    private static final String MESSAGE = """
            {"id":7,"roomId":1,"userId":2,"username":"alice","text":"hi","createdAt":"2026-11-29T07:00:00Z","editedAt":null,"deleted":false}""";
    private static final String MESSAGE_FRAME = MESSAGE.replace("{\"id\"", "{\"type\":\"message\",\"position\":9,\"id\"");

    @Test
    void aDocumentedAnswerPasses() {
        CHECK.exchanged(exchange("POST", "/api/rooms/1/messages", "{\"text\":\"hi\"}", 201, MESSAGE,
                "application/json", Map.of("X-Request-Id", "r1", "X-Instance-Id", "app-1", "Idempotent-Replayed", "true")));
    }

    @Test
    void anUndocumentedFieldFailsNamingOperationStatusAndPath() {
        String extra = MESSAGE.replace("}", ",\"secret\":1}");
        assertThatThrownBy(() -> CHECK.exchanged(exchange("GET", "/api/rooms/1/messages?after=0", null, 200,
                "{\"items\":[" + extra + "],\"next\":null}", "application/json", Map.of("X-Request-Id", "r1"))))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("GET /api/rooms/1/messages?after=0 -> 200")
                .hasMessageContaining("secret");
    }

    @Test
    void anUndocumentedStatusFails() {
        assertThatThrownBy(() -> CHECK.exchanged(exchange("GET", "/api/rooms/1", null, 500, problem(500),
                "application/problem+json", Map.of("X-Request-Id", "r1"))))
                .hasMessageContaining("status 500 is not documented for getRoom");
    }

    @Test
    void anUndocumentedHeaderOfOursFails() {
        assertThatThrownBy(() -> CHECK.exchanged(exchange("GET", "/api/session", null, 200,
                "{\"id\":1,\"username\":\"alice\"}", "application/json",
                Map.of("X-Request-Id", "r1", "Idempotent-Replayed", "true"))))
                .hasMessageContaining("header Idempotent-Replayed is not documented");
    }

    @Test
    void aMissingRequiredHeaderFails() {
        assertThatThrownBy(() -> CHECK.exchanged(exchange("GET", "/api/session", null, 200,
                "{\"id\":1,\"username\":\"alice\"}", "application/json", Map.of())))
                .hasMessageContaining("required header X-Request-Id is missing");
    }

    @Test
    void aBadRequestRefusedWithProblemJsonPassesButOneAcceptedFails() {
        CHECK.exchanged(exchange("POST", "/api/rooms", "{\"nope\":1}", 400, problem(400), "application/problem+json",
                Map.of("X-Request-Id", "r1")));
        assertThatThrownBy(() -> CHECK.exchanged(exchange("POST", "/api/rooms", "{\"nope\":1}", 201,
                "{\"id\":1,\"name\":\"n\",\"topic\":null,\"createdBy\":1,\"createdAt\":\"2026-11-29T07:00:00Z\",\"memberCount\":1}",
                "application/json", Map.of("X-Request-Id", "r1"))))
                .hasMessageContaining("request body accepted though the contract refuses it");
    }

    @Test
    void anOutOfRangeQueryParameterAcceptedFails() {
        assertThatThrownBy(() -> CHECK.exchanged(exchange("GET", "/api/rooms?limit=1000", null, 200,
                "{\"items\":[],\"next\":null}", "application/json", Map.of("X-Request-Id", "r1"))))
                .hasMessageContaining("query parameter limit");
    }

    @Test
    void anUnknownPathMustBeRefusedWithProblemJson() {
        CHECK.exchanged(exchange("GET", "/nope", null, 404, problem(404), "application/problem+json", Map.of("X-Request-Id", "r")));
        assertThatThrownBy(() -> CHECK.exchanged(exchange("GET", "/nope", null, 200, "{}", "application/json", Map.of())))
                .hasMessageContaining("no operation has the path /nope");
        assertThatThrownBy(() -> CHECK.exchanged(exchange("GET", "/nope", null, 404, "<html>", "text/html", Map.of())))
                .hasMessageContaining("must be application/problem+json");
    }

    @Test
    void streamEventsAreCheckedAgainstTheirDocumentedSchemas() {
        Exchange opened = exchange("GET", "/api/rooms/1/events", null, 200, "", "text/event-stream",
                Map.of("X-Request-Id", "r1"));
        CHECK.event(opened, new SseEvent("7", "message", MESSAGE, 0));
        CHECK.event(opened, new SseEvent(null, "close", "{\"reason\":\"you left the room\"}", 0));
        assertThatThrownBy(() -> CHECK.event(opened, new SseEvent("7", "message", "{\"id\":7}", 0)))
                .hasMessageContaining("event message");
        assertThatThrownBy(() -> CHECK.event(opened, new SseEvent("1", "surprise", "{}", 0)))
                .hasMessageContaining("undocumented event type 'surprise'");
    }

    @Test
    void webSocketFramesAreCheckedAgainstTheDocumentedFrameSchema() {
        URI socket = URI.create("ws://127.0.0.1:1/api/rooms/1/ws?after=0");
        CHECK.frame(socket, MESSAGE_FRAME);
        assertThatThrownBy(() -> CHECK.frame(socket, MESSAGE_FRAME.replace("\"text\":\"hi\"", "\"text\":7")))
                .hasMessageContaining("contract violation (roomWebSocket): server WebSocket frame on /api/rooms/1/ws");
        assertThatThrownBy(() -> CHECK.frame(socket, MESSAGE))
                .as("a frame without its type and position is not a documented server frame")
                .hasMessageContaining("server WebSocket frame");
    }

    @Test
    void clientFramesAreCheckedAgainstTheDocumentedClientFrames() {
        URI socket = URI.create("ws://127.0.0.1:1/api/ws");
        CHECK.clientFrame(socket, "{\"type\":\"ping\",\"ref\":\"p1\"}");
        assertThatThrownBy(() -> CHECK.clientFrame(socket, "{\"type\":\"shout\",\"ref\":\"p1\"}"))
                .hasMessageContaining("client WebSocket frame on /api/ws");
    }

    private static String problem(int status) {
        return "{\"type\":\"/problems/x\",\"title\":\"X\",\"status\":" + status + ",\"detail\":\"d\",\"requestId\":\"r1\"}";
    }

    private static Exchange exchange(String method, String pathAndQuery, String requestBody, int status, String body,
                                     String contentType, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:1" + pathAndQuery))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (requestBody != null) {
            request.header("Content-Type", "application/json");
        }
        Map<String, List<String>> all = new java.util.HashMap<>();
        headers.forEach((k, v) -> all.put(k, List.of(v)));
        all.put("Content-Type", List.of(contentType));
        Reply reply = new Reply(status, HttpHeaders.of(all, (a, b) -> true), body.getBytes(StandardCharsets.UTF_8), 0, 0, null);
        return new Exchange(request.build(), requestBody == null ? new byte[0] : requestBody.getBytes(StandardCharsets.UTF_8),
                reply, "text/event-stream".equals(contentType));
    }
}
