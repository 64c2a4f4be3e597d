package io.loomcluster.chaos;

/** Small JSON objects for request bodies. */
final class Json {
    private Json() {
    }

    static String object(Object... keyValues) {
        var node = ApiUser.JSON.createObjectNode();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            node.putPOJO((String) keyValues[i], keyValues[i + 1]);
        }
        return node.toString();
    }
}
