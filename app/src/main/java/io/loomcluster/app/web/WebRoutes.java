package io.loomcluster.app.web;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.ApiException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What a browser reads: the chat client at {@code /} (files under {@code /web/}), the API's contract
 * at {@code /openapi.yaml} and Swagger UI at {@code /docs} (from the swagger-ui webjar, started by a
 * script of ours). Everything comes from the jar, nothing from another site, under a strict
 * Content-Security-Policy: scripts only from this origin, never inline. Swagger UI sets inline
 * styles on its elements, so {@code /docs} alone also allows inline styles (not scripts).
 */
public final class WebRoutes {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    static final String DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
    private static final String CONTRACT = "io/loomcluster/contract/";
    private static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/";

    private final StaticFiles client = new StaticFiles("web");
    private final StaticFiles docs = new StaticFiles("docs");
    private final StaticFiles swaggerUi = new StaticFiles(SWAGGER_UI + webjarVersion());
    private final StaticFiles contract = new StaticFiles(CONTRACT);

    public void register(RoutesConfig routes) {
        routes.get("/", ctx -> serve(ctx, client, "index.html", CSP));
        routes.get("/web/{file}", ctx -> serve(ctx, client, ctx.pathParam("file"), CSP));
        routes.get("/openapi.yaml", ctx -> serve(ctx, contract, "openapi.yaml", CSP));
        routes.get("/docs", ctx -> serve(ctx, docs, "index.html", DOCS_CSP));
        routes.get("/docs/{file}", this::docsFile);
    }

    private void docsFile(Context ctx) {
        String name = ctx.pathParam("file");
        StaticFiles from = docs.get(name).isPresent() ? docs : swaggerUi;
        serve(ctx, from, name, DOCS_CSP);
    }

    private static void serve(Context ctx, StaticFiles files, String name, String policy) {
        StaticFiles.File file = files.get(name)
                .orElseThrow(() -> ApiException.notFound("no file named '" + abbreviate(name) + "'"));
        ctx.header("Content-Security-Policy", policy);
        ctx.contentType(file.contentType()).result(file.bytes());
    }

    /** The version folder of the swagger-ui webjar on the class path (read from its Maven metadata). */
    private static String webjarVersion() {
        String pom = "META-INF/maven/org.webjars/swagger-ui/pom.properties";
        try (InputStream in = WebRoutes.class.getClassLoader().getResourceAsStream(pom)) {
            if (in == null) {
                throw new IllegalStateException("the swagger-ui webjar is not on the class path (" + pom + ")");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "…";
    }
}
