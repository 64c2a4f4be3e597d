package io.loomcluster.app.notifications;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The usernames a text mentions as {@code @name}, in the username grammar (3-32 of a-z, 0-9, _). */
public final class Mentions {
    static final int MAX_PER_MESSAGE = 50;
    private static final Pattern MENTION = Pattern.compile("(?<![A-Za-z0-9_@])@([a-z0-9_]{3,32})(?![A-Za-z0-9_])");

    private Mentions() {
    }

    /** Distinct mentioned names in order of first appearance, at most {@value #MAX_PER_MESSAGE}. */
    public static Set<String> in(String text) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = MENTION.matcher(text);
        while (m.find() && names.size() < MAX_PER_MESSAGE) {
            names.add(m.group(1));
        }
        return names;
    }
}
