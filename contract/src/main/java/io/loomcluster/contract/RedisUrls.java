package io.loomcluster.contract;

/**
 * {@code REDIS_URL} as it may be shown. The URL carries Redis's password in its user info
 * ({@code redis://:PASSWORD@host:6379}, {@code redis://USER:PASSWORD@host:6379}), so every log line
 * and error message that names the URL goes through {@link #redacted}.
 */
public final class RedisUrls {
    private RedisUrls() {
    }

    /**
     * The URL with the password replaced by {@code ***} (a user name stays). Everything between
     * {@code ://} and the last {@code @} counts as user info, so a password with an unescaped
     * {@code @} or {@code /} is hidden too.
     */
    public static String redacted(String url) {
        if (url == null) {
            return null;
        }
        int start = url.indexOf("://");
        int at = url.lastIndexOf('@');
        if (start < 0 || at < start) {
            return url;
        }
        String userInfo = url.substring(start + 3, at);
        int colon = userInfo.indexOf(':');
        String user = colon >= 0 ? userInfo.substring(0, colon) : "";
        return url.substring(0, start + 3) + user + ":***" + url.substring(at);
    }
}
