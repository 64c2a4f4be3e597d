package io.loomcluster.client;

/** An RFC 9457 problem as the API writes it: every error response carries one. */
public record Problem(String type, String title, int status, String detail, String requestId) {
    public static final String CONTENT_TYPE = "application/problem+json";
}
