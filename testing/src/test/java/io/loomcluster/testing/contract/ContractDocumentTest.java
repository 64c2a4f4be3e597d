package io.loomcluster.testing.contract;

import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The contract is a valid OpenAPI 3.1 document, as swagger-parser (what openapi-generator reads with) sees it. */
class ContractDocumentTest {

    @Test
    void theContractIsAValidOpenApi31DocumentWithEveryReferenceResolved() throws IOException {
        String text;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(OpenApiContract.RESOURCE)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(text, null, options);

        assertThat(result.getMessages()).isEmpty();
        assertThat(result.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
        assertThat(result.getOpenAPI().getPaths()).containsKeys("/api/users", "/api/session", "/api/rooms",
                "/api/rooms/{id}", "/api/rooms/{id}/members", "/api/rooms/{id}/messages", "/api/rooms/{id}/events",
                "/api/rooms/{id}/ws", "/graphql", "/health/live", "/health/ready", "/metrics", "/openapi.yaml");
    }

    /** The check's own reading (Jackson 3 YAML, which does not expand YAML aliases) sees every response whole. */
    @Test
    void everyResponseOfEveryOperationResolvesToADescribedResponse() {
        OpenApiContract contract = OpenApiContract.load();
        int responses = 0;
        for (var path : contract.document().get("paths").properties()) {
            for (var method : path.getValue().properties()) {
                if (method.getKey().equals("parameters")) {
                    continue;
                }
                var op = contract.operation(method.getKey(), path.getKey()).orElseThrow();
                for (String status : op.node().get("responses").propertyNames()) {
                    var response = contract.response(op, Integer.parseInt(status)).orElseThrow();
                    assertThat(response.node().path("description").asString("")).as(op.id() + " " + status).isNotBlank();
                    response.node().path("content").properties().forEach(media ->
                            assertThat(media.getValue().has("schema")).as(op.id() + " " + status + " " + media.getKey()).isTrue());
                    responses++;
                }
            }
        }
        assertThat(responses).isGreaterThan(100);
    }
}
