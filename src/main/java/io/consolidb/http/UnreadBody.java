package io.consolidb.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * Closes the HTTP/1.x connection of a request answered before its body was read, once the answer is
 * out. Vert.x keeps a connection open unless the <em>request</em> asked to close it, so a
 * {@code Connection: close} on the response alone leaves a client that ignores it holding the
 * connection, with a paused body, until the idle timeout.
 *
 * <p>It does not close at once: closing a socket with unread bytes makes the kernel answer with a
 * reset, which can destroy the response before the client reads it. So it reads and drops what is
 * still coming for up to {@link #LINGER_MS} (a "lingering close", as web servers do), then closes.
 * HTTP/2 needs none of this: the stream ends, the connection carries other streams.
 */
final class UnreadBody {

  /** How long a refused body may keep its connection while the client finishes sending it. */
  static final long LINGER_MS = 2_000;

  private UnreadBody() {
  }

  /** Whether a body is still on its way: {@link #closeAfterAnswer} is then due. */
  static boolean pending(HttpServerRequest request) {
    if (request.isEnded()) {
      return false;
    }
    // Not isEnded() alone: a GET's end arrives just after its headers, so it is not ended yet when
    // the router runs, and closing its connection would make every refused client reconnect.
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return (length != null && !length.strip().equals("0")) || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
  }

  /** Call before the response is sent: marks it, and closes the connection once it is written. */
  static void closeAfterAnswer(Vertx vertx, RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (request.version() == HttpVersion.HTTP_2) {
      return;
    }
    ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    ctx.addEndHandler(done -> linger(vertx, request));
  }

  private static void linger(Vertx vertx, HttpServerRequest request) {
    HttpConnection connection = request.connection();
    if (request.isEnded()) {
      connection.close();
      return;
    }
    long timer = vertx.setTimer(LINGER_MS, id -> connection.close());
    request.handler(dropped -> { });
    request.endHandler(end -> {
      vertx.cancelTimer(timer);
      connection.close();
    });
    request.resume();
  }
}
