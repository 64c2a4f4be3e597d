package io.loomcluster.testing.contract;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The API's OpenAPI 3.1 document, read from the class path: its operations found by method and
 * path, and any schema in it validated by networknt's JSON Schema 2020-12 validator with the OpenAPI
 * 3.1 dialect (format assertions on). Only the lookup of operations and responses (following local
 * {@code $ref}s) is done here; every schema check is the library's.
 */
public final class OpenApiContract {
    public static final String RESOURCE = "io/loomcluster/contract/openapi.yaml";

    /** An operation: its path template and method, and where it sits in the document (a JSON pointer). */
    public record Operation(String id, String method, String template, String pointer, JsonNode node) {
    }

    /** A resolved response of an operation and the pointer where its definition lives. */
    public record Response(String pointer, JsonNode node) {
    }

    private record Path(String template, Pattern pattern, JsonNode node) {
    }

    private final JsonNode document;
    private final List<Path> paths = new ArrayList<>();
    private final SchemaRegistry registry;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    private OpenApiContract(JsonNode document) {
        this.document = document;
        document.get("paths").properties().forEach(e -> paths.add(
                new Path(e.getKey(), templatePattern(e.getKey()), e.getValue())));
        this.registry = SchemaRegistry.withDialect(Dialects.getOpenApi31(), b -> b.schemaRegistryConfig(
                SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    }

    public static OpenApiContract load() {
        try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path");
            }
            return new OpenApiContract(new YAMLMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode document() {
        return document;
    }

    /** The path template matching a request path (literal templates before parameterised ones). */
    public Optional<String> template(String path) {
        return paths.stream().filter(p -> p.pattern.matcher(path).matches())
                .min((a, b) -> Long.compare(a.template.chars().filter(c -> c == '{').count(),
                        b.template.chars().filter(c -> c == '{').count()))
                .map(Path::template);
    }

    public Optional<Operation> operation(String method, String template) {
        JsonNode pathNode = document.get("paths").get(template);
        String m = method.toLowerCase(Locale.ROOT);
        if (pathNode == null || !pathNode.has(m)) {
            return Optional.empty();
        }
        JsonNode op = pathNode.get(m);
        String id = op.has("operationId") ? op.get("operationId").asString() : m + " " + template;
        return Optional.of(new Operation(id, m, template, "/paths/" + escape(template) + "/" + m, op));
    }

    /** The operation's response for a status (following a {@code $ref}), if documented. */
    public Optional<Response> response(Operation op, int status) {
        JsonNode responses = op.node().get("responses");
        String key = Integer.toString(status);
        if (responses == null || !responses.has(key)) {
            return Optional.empty();
        }
        return Optional.of(resolve(op.pointer() + "/responses/" + key, responses.get(key)));
    }

    /** A node and its pointer, following a local {@code $ref} (one level per step, until none). */
    public Response resolve(String pointer, JsonNode node) {
        while (node.has("$ref")) {
            String ref = node.get("$ref").asString();
            if (!ref.startsWith("#/")) {
                throw new IllegalStateException("only local references are supported: " + ref);
            }
            pointer = ref.substring(1);
            node = document.at(pointer);
        }
        return new Response(pointer, node);
    }

    /** Validates an instance against the schema at a JSON pointer of the document; the errors, empty when valid. */
    public List<String> validate(String schemaPointer, JsonNode instance) {
        Schema schema = schemas.computeIfAbsent(schemaPointer,
                p -> registry.getSchema(SchemaLocation.of("classpath:" + RESOURCE + "#" + p)));
        return schema.validate(instance).stream().map(Error::toString).toList();
    }

    /** RFC 6901: {@code ~} and {@code /} escaped. */
    public static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private static Pattern templatePattern(String template) {
        StringBuilder regex = new StringBuilder();
        for (String part : template.split("(?=\\{)|(?<=\\})")) {
            regex.append(part.startsWith("{") ? "[^/]+" : Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }
}
