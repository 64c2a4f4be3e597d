package io.loomcluster.lb.proxy;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;

/**
 * The response encoder of a client connection. Requests are answered one at a time, so instead of
 * Netty's pipelined method queue the connection tells it whether the response being written answers
 * a HEAD (whose body, if the backend declared one, must not be framed).
 */
final class EdgeResponseEncoder extends HttpResponseEncoder {
    private boolean answeringHead;

    void answeringHead(boolean head) {
        answeringHead = head;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        return (answeringHead && msg.status().codeClass() != HttpStatusClass.INFORMATIONAL)
                || super.isContentAlwaysEmpty(msg);
    }
}
