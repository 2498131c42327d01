package io.consolidb.http;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;

/** One HTTP/1.1 connection driven by hand: a test can hang up mid-request or watch the server close it. */
final class RawConnection {

  private final NetSocket socket;
  private final Buffer received = Buffer.buffer();
  private final Promise<Void> closed = Promise.promise();

  private RawConnection(NetSocket socket) {
    this.socket = socket;
    socket.handler(bytes -> {
      synchronized (received) {
        received.appendBuffer(bytes);
      }
    });
    socket.closeHandler(v -> closed.tryComplete());
  }

  static RawConnection open(Vertx vertx, int port) throws Exception {
    return new RawConnection(vertx.createNetClient().connect(port, "127.0.0.1").await(5, TimeUnit.SECONDS));
  }

  /** Opens a connection and sends {@code GET path} on it. */
  static RawConnection get(Vertx vertx, int port, String path) throws Exception {
    RawConnection connection = open(vertx, port);
    connection.send(path);
    return connection;
  }

  /** Opens a connection and sends {@code POST path} with {@code body}, headers and body in one write. */
  static RawConnection post(Vertx vertx, int port, String path, String body) throws Exception {
    return postPart(vertx, port, path, body.length(), body);
  }

  /** Like {@link #post} but announces {@code length} bytes and sends only {@code part}: a stalled upload. */
  static RawConnection postPart(Vertx vertx, int port, String path, int length, String part) throws Exception {
    return postPart(vertx, port, path, "Content-Type: text/plain\r\n", length, part);
  }

  /** {@link #postPart} with {@code headers} (each line ending in CRLF) instead of a text content type. */
  static RawConnection postPart(Vertx vertx, int port, String path, String headers, int length, String part)
      throws Exception {
    RawConnection connection = open(vertx, port);
    connection.socket.write("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers
        + "Content-Length: " + length + "\r\n\r\n" + part).await(5, TimeUnit.SECONDS);
    return connection;
  }

  void send(String path) throws Exception {
    socket.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await(5, TimeUnit.SECONDS);
  }

  String received() {
    synchronized (received) {
      return received.toString();
    }
  }

  boolean isClosed() {
    return closed.future().isComplete();
  }

  /** Hangs up (already closed by the server is fine: closed is what the caller wants). */
  void close() throws Exception {
    if (!isClosed()) {
      socket.close().recover(e -> io.vertx.core.Future.succeededFuture()).await(5, TimeUnit.SECONDS);
    }
  }
}
