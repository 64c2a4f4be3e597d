package io.loomcluster.testing.contract;

import io.loomcluster.client.Exchange;
import io.loomcluster.client.ExchangeObserver;
import io.loomcluster.client.SseEvent;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Checks every exchange of every {@code LoomClient} in a test JVM against the OpenAPI contract,
 * when the system property {@value #ENABLED} is {@code true} (the build sets it for the modules
 * whose tests talk to the app). A response must have a status documented for its operation, a
 * body valid against that response's schema, and only documented headers of ours with valid
 * values. A request the server accepted (2xx) must be one the contract allows (body, parameters,
 * headers); a request it refused is not checked, so tests that send bad input on purpose still
 * have their answers checked. A path no operation has must be refused with problem+json. A
 * violation is an {@link AssertionError} naming the operation, method, path and status.
 */
public final class ContractCheck implements ExchangeObserver {
    public static final String ENABLED = "loom.contract.check";

    /** Headers the contract owns: present means documented. Standard headers (Date, Content-Length...) are not checked. */
    private static final Set<String> OWN_HEADERS = Set.of("x-request-id", "x-instance-id", "retry-after",
            "idempotent-replayed", "set-cookie");
    /** What the balancer or the web server may answer before any route runs, on any path. */
    private static final Set<Integer> BEFORE_ROUTING = Set.of(400, 404, 405, 408, 413, 414, 431, 502, 503, 504);

    private final OpenApiContract contract;
    private final boolean printViolations;
    private final ObjectMapper json = JsonMapper.builder().build();

    /** The {@link java.util.ServiceLoader} constructor: checks only when {@value #ENABLED} is true. */
    public ContractCheck() {
        this(Boolean.getBoolean(ENABLED) ? OpenApiContract.load() : null, true);
    }

    /**
     * {@code printViolations}: also print each violation to standard error, for the ones raised on a
     * thread whose errors nobody reads (a subscription's reader, a load generator).
     */
    ContractCheck(OpenApiContract contract, boolean printViolations) {
        this.contract = contract;
        this.printViolations = printViolations;
    }

    /** A check that is on whatever the system property says (for tests of the check itself). */
    public static ContractCheck enabled() {
        return new ContractCheck(OpenApiContract.load(), false);
    }

    @Override
    public void exchanged(Exchange exchange) {
        if (contract == null || !exchange.reply().answered()) {
            return;
        }
        List<String> problems = violations(exchange);
        if (!problems.isEmpty()) {
            fail(exchange, problems);
        }
    }

    @Override
    public void event(Exchange opened, SseEvent event) {
        if (contract == null || event.event() == null) {
            return;
        }
        String path = opened.request().uri().getRawPath();
        Optional<OpenApiContract.Operation> op = contract.template(path).flatMap(t -> contract.operation(opened.method(), t));
        if (op.isEmpty() || !op.get().node().has("x-sse-events")) {
            return;
        }
        JsonNode events = op.get().node().get("x-sse-events");
        List<String> problems = new ArrayList<>();
        if (!events.has(event.event())) {
            problems.add("undocumented event type '" + event.event() + "'");
        } else {
            String pointer = contract.resolve(op.get().pointer() + "/x-sse-events/" + OpenApiContract.escape(event.event()),
                    events.get(event.event())).pointer();
            problems.addAll(validateJson(pointer, event.data() == null ? new byte[0] : event.data().getBytes(StandardCharsets.UTF_8)));
            boolean change = event.event().equals("message") || event.event().startsWith("message.");
            if (change && (event.id() == null || !event.id().matches("[0-9]+"))) {
                problems.add("a change event must carry its position as the event id, got " + event.id());
            }
            if (!change && !event.event().equals("notification") && event.id() != null) {
                problems.add("an ephemeral event must not carry an id (it would move Last-Event-ID), got " + event.id());
            }
        }
        if (!problems.isEmpty()) {
            fail(opened, List.of("event " + event.event() + ": " + String.join("; ", problems)));
        }
    }

    @Override
    public void frame(java.net.URI uri, String text) {
        frame(uri, text, "server");
    }

    /** Checks a frame a client sends on the socket at {@code uri} against the contract's client frames. */
    public void clientFrame(java.net.URI uri, String text) {
        frame(uri, text, "client");
    }

    private void frame(java.net.URI uri, String text, String side) {
        if (contract == null) {
            return;
        }
        Optional<OpenApiContract.Operation> op = contract.template(uri.getRawPath()).flatMap(t -> contract.operation("GET", t));
        if (op.isEmpty() || !op.get().node().has("x-websocket-frames")) {
            return;
        }
        JsonNode frames = op.get().node().get("x-websocket-frames");
        String pointer = contract.resolve(op.get().pointer() + "/x-websocket-frames/" + side, frames.get(side)).pointer();
        List<String> problems = validateJson(pointer, text.getBytes(StandardCharsets.UTF_8));
        if (!problems.isEmpty()) {
            String message = "contract violation (" + op.get().id() + "): " + side + " WebSocket frame on " + uri.getRawPath()
                    + ": " + String.join("; ", problems) + "\n  frame: " + (text.length() > 300 ? text.substring(0, 300) + "…" : text);
            if (printViolations) {
                System.err.println(message);
            }
            throw new AssertionError(message);
        }
    }

    List<String> violations(Exchange exchange) {
        int status = exchange.reply().status();
        String path = exchange.request().uri().getRawPath();
        Optional<String> template = contract.template(path);
        if (template.isEmpty()) {
            return refusedWithProblem(exchange, "no operation has the path " + path);
        }
        Optional<OpenApiContract.Operation> op = contract.operation(exchange.method(), template.get());
        if (op.isEmpty()) {
            return refusedWithProblem(exchange, "no operation " + exchange.method() + " " + template.get());
        }
        Optional<OpenApiContract.Response> response = contract.response(op.get(), status);
        if (response.isEmpty()) {
            return List.of("status " + status + " is not documented for " + op.get().id());
        }
        List<String> problems = new ArrayList<>(checkResponse(exchange, response.get(), exchange.streamed()));
        if (status >= 200 && status < 300) {
            problems.addAll(new RequestCheck(contract, json).violations(op.get(), exchange));
        }
        return problems;
    }

    /** An unknown path or method: only a refusal is right, and it must be problem+json. */
    private List<String> refusedWithProblem(Exchange exchange, String what) {
        int status = exchange.reply().status();
        if (!BEFORE_ROUTING.contains(status)) {
            return List.of(what + ", yet it was answered " + status);
        }
        return validateProblem(exchange);
    }

    private List<String> validateProblem(Exchange exchange) {
        if (!mediaType(exchange).equals("application/problem+json")) {
            return List.of("a refusal must be application/problem+json, got " + exchange.reply().contentType());
        }
        return validateJson("/components/schemas/Problem", exchange.reply().bytes());
    }

    private List<String> checkResponse(Exchange exchange, OpenApiContract.Response response, boolean streamed) {
        List<String> problems = new ArrayList<>(checkHeaders(exchange, response));
        JsonNode content = response.node().get("content");
        byte[] body = exchange.reply().bytes();
        if (content == null) {
            if (body.length > 0) {
                problems.add("a body where the contract documents none");
            }
            return problems;
        }
        String media = mediaType(exchange);
        if (!content.has(media)) {
            problems.add("content type '" + exchange.reply().contentType() + "' is not documented (documented: "
                    + content.propertyNames() + ")");
            return problems;
        }
        if (!streamed && (media.equals("application/json") || media.endsWith("+json"))) {
            problems.addAll(validateJson(response.pointer() + "/content/" + OpenApiContract.escape(media) + "/schema", body));
        }
        return problems;
    }

    private List<String> checkHeaders(Exchange exchange, OpenApiContract.Response response) {
        List<String> problems = new ArrayList<>();
        JsonNode documented = response.node().get("headers");
        for (String name : exchange.reply().headers().map().keySet()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!OWN_HEADERS.contains(lower)) {
                continue;
            }
            Optional<String> key = documentedName(documented, lower);
            if (key.isEmpty()) {
                problems.add("header " + name + " is not documented for this response");
                continue;
            }
            String pointer = response.pointer() + "/headers/" + OpenApiContract.escape(key.get());
            OpenApiContract.Response header = contract.resolve(pointer, documented.get(key.get()));
            for (String value : exchange.reply().headers(name)) {
                contract.validate(header.pointer() + "/schema", JsonNodeFactory.instance.stringNode(value))
                        .forEach(e -> problems.add("header " + name + ": " + e));
            }
        }
        if (documented != null) {
            for (var entry : documented.properties()) {
                JsonNode header = contract.resolve("", entry.getValue()).node();
                if (header.path("required").asBoolean(false) && exchange.reply().header(entry.getKey()) == null) {
                    problems.add("required header " + entry.getKey() + " is missing");
                }
            }
        }
        return problems;
    }

    private static Optional<String> documentedName(JsonNode headers, String lower) {
        if (headers == null) {
            return Optional.empty();
        }
        return headers.propertyNames().stream().filter(n -> n.toLowerCase(Locale.ROOT).equals(lower)).findFirst();
    }

    List<String> validateJson(String schemaPointer, byte[] body) {
        JsonNode instance;
        try {
            instance = json.readTree(body);
        } catch (JacksonException e) {
            return List.of("the body is not JSON: " + e.getOriginalMessage());
        }
        if (instance == null || instance.isMissingNode()) {
            return List.of("the body is empty where JSON is documented");
        }
        return contract.validate(schemaPointer, instance);
    }

    private static String mediaType(Exchange exchange) {
        String type = exchange.reply().contentType();
        return type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    }

    static String decode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

    private void fail(Exchange exchange, List<String> problems) {
        String path = exchange.request().uri().getRawPath();
        String operation = contract.template(path).flatMap(t -> contract.operation(exchange.method(), t))
                .map(OpenApiContract.Operation::id).orElse("no operation");
        String message = "contract violation (" + operation + "): " + exchange.method() + " " + exchange.pathAndQuery() + " -> "
                + exchange.reply().status() + ": " + String.join("; ", problems)
                + "\n  response: " + exchange.reply().describe();
        if (printViolations) {
            System.err.println(message);
        }
        throw new AssertionError(message);
    }
}
