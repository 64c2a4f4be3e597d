package io.loomcluster.testing.contract;

import io.loomcluster.client.Exchange;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.JsonNodeFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request side of an exchange the server accepted: its parameters (path, query, header) and
 * body must be valid against the operation. Parameter values arrive as text; a parameter whose
 * schema is an integer is read as a number first (OpenAPI's "simple" style), anything else as text.
 */
final class RequestCheck {
    private final OpenApiContract contract;
    private final ObjectMapper json;

    RequestCheck(OpenApiContract contract, ObjectMapper json) {
        this.contract = contract;
        this.json = json;
    }

    List<String> violations(OpenApiContract.Operation op, Exchange exchange) {
        List<String> problems = new ArrayList<>(parameters(op, exchange));
        JsonNode body = op.node().get("requestBody");
        byte[] bytes = exchange.requestBody();
        if (body == null) {
            return problems;
        }
        OpenApiContract.Response resolved = contract.resolve(op.pointer() + "/requestBody", body);
        String type = exchange.requestHeader("Content-Type");
        String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!resolved.node().path("content").has(media)) {
            problems.add("request: accepted with an undocumented content type '" + type + "'");
            return problems;
        }
        try {
            JsonNode instance = json.readTree(bytes);
            contract.validate(resolved.pointer() + "/content/" + OpenApiContract.escape(media) + "/schema", instance)
                    .forEach(e -> problems.add("request body accepted though the contract refuses it: " + e));
        } catch (JacksonException e) {
            problems.add("request: accepted a body that is not JSON");
        }
        return problems;
    }

    private List<String> parameters(OpenApiContract.Operation op, Exchange exchange) {
        Map<String, String> query = query(exchange.request().uri().getRawQuery());
        Map<String, String> path = pathValues(op.template(), exchange.request().uri().getRawPath());
        List<String> problems = new ArrayList<>();
        List<OpenApiContract.Response> declared = new ArrayList<>();
        JsonNode pathLevel = contract.document().get("paths").get(op.template()).get("parameters");
        collect(pathLevel, "/paths/" + OpenApiContract.escape(op.template()) + "/parameters", declared);
        collect(op.node().get("parameters"), op.pointer() + "/parameters", declared);
        for (OpenApiContract.Response parameter : declared) {
            String name = parameter.node().get("name").asString();
            String in = parameter.node().get("in").asString();
            String value = switch (in) {
                case "query" -> query.get(name);
                case "path" -> path.get(name);
                case "header" -> exchange.requestHeader(name);
                default -> null;
            };
            if (value == null) {
                if (parameter.node().path("required").asBoolean(false)) {
                    problems.add("request: required " + in + " parameter " + name + " is missing");
                }
                continue;
            }
            JsonNode instance = typed(parameter.node().path("schema"), value);
            contract.validate(parameter.pointer() + "/schema", instance)
                    .forEach(e -> problems.add("request: " + in + " parameter " + name + " accepted though invalid: " + e));
        }
        return problems;
    }

    private void collect(JsonNode parameters, String pointer, List<OpenApiContract.Response> into) {
        if (parameters == null) {
            return;
        }
        for (int i = 0; i < parameters.size(); i++) {
            into.add(contract.resolve(pointer + "/" + i, parameters.get(i)));
        }
    }

    private JsonNode typed(JsonNode schema, String value) {
        JsonNode resolved = contract.resolve("", schema).node();
        if ("integer".equals(resolved.path("type").asString("")) && value.matches("-?[0-9]{1,18}")) {
            return JsonNodeFactory.instance.numberNode(Long.parseLong(value));
        }
        return JsonNodeFactory.instance.stringNode(value);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> values = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return values;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = ContractCheck.decode(eq < 0 ? pair : pair.substring(0, eq));
            values.putIfAbsent(name, eq < 0 ? "" : ContractCheck.decode(pair.substring(eq + 1)));
        }
        return values;
    }

    private static Map<String, String> pathValues(String template, String path) {
        Map<String, String> values = new HashMap<>();
        String[] t = template.split("/");
        String[] p = path.split("/");
        for (int i = 0; i < t.length && i < p.length; i++) {
            if (t[i].startsWith("{") && t[i].endsWith("}")) {
                values.put(t[i].substring(1, t[i].length() - 1), ContractCheck.decode(p[i]));
            }
        }
        return values;
    }
}
