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
