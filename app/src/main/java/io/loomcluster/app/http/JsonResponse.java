package io.loomcluster.app.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.javalin.http.ContentType;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes a value as JSON straight into the response's buffer, for the hot routes: Javalin's
 * {@code ctx.json} renders a String first, encodes it and then copies the bytes into the response.
 * The stream is left open so that Javalin completes the response as usual.
 */
public final class JsonResponse {
    private final ObjectWriter writer;

    public JsonResponse(ObjectMapper json) {
        this.writer = json.writer().without(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    }

    public void write(Context ctx, int status, Object value) {
        ctx.status(status).contentType(ContentType.APPLICATION_JSON);
        try {
            writer.writeValue(ctx.outputStream(), value);
        } catch (IOException e) {
            // The client went away while the body was being written.
            throw new UncheckedIOException(e);
        }
    }
}
