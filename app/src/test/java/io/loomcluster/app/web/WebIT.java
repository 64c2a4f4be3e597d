package io.loomcluster.app.web;

import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** What a browser reads from an instance: the contract, Swagger UI and the chat client, all from the jar, under a strict CSP. */
class WebIT {
    private final Session anonymous = TestUsers.at(TestCluster.shared().appUrl(0));

    @Test
    void theContractIsServedAsYamlExactlyAsTheProjectHoldsIt() throws IOException {
        Reply reply = anonymous.get("/openapi.yaml");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.contentType()).isEqualTo("application/yaml");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("io/loomcluster/contract/openapi.yaml")) {
            assertThat(reply.bytes()).isEqualTo(in.readAllBytes());
        }
    }

    @Test
    void theChatClientIsServedUnderAPolicyThatAllowsNoInlineOrForeignScript() {
        Reply page = anonymous.get("/");
        Reply script = anonymous.get("/web/app.js");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.body()).contains("<script type=\"module\" src=\"/web/app.js\">").doesNotContain("http://", "https://");
        String policy = page.header("Content-Security-Policy");
        assertThat(policy).contains("default-src 'self'", "script-src 'self';", "style-src 'self';")
                .doesNotContain("unsafe-inline", "unsafe-eval");
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.contentType()).startsWith("text/javascript");
    }

    @Test
    void swaggerUiComesFromTheWebjarAndOnlyItsPagesAllowInlineStyles() {
        Reply page = anonymous.get("/docs");
        Reply bundle = anonymous.get("/docs/swagger-ui-bundle.js");
        Reply init = anonymous.get("/docs/docs-init.js");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Security-Policy")).contains("script-src 'self';", "style-src 'self' 'unsafe-inline'");
        assertThat(bundle.status()).isEqualTo(200);
        assertThat(bundle.bytes().length).isGreaterThan(100_000);
        assertThat(init.body()).contains("url: '/openapi.yaml'");
    }

    @Test
    void onlyPlainFileNamesOfTheServedFoldersCanBeRead() {
        assertThat(anonymous.get("/web/nothing.js").status()).isEqualTo(404);
        assertThat(anonymous.get("/web/..%2Fdocs%2Findex.html").status()).isEqualTo(404);
        assertThat(anonymous.get("/docs/.hidden.js").status()).isEqualTo(404);
        assertThat(anonymous.get("/web/app.class").status()).isEqualTo(404);
    }
}
