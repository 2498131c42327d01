package io.consolidb.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;

/**
 * At most {@code max} open HTTP connections: one beyond is closed before any request of it is
 * served, and counted in {@code consolidb.http.connections.refused}. Vert.x 5's server options
 * have no such cap (an idle timeout, yes), so the server's connection handler counts. Vert.x calls
 * it once the connection's first bytes tell HTTP/1.1 from h2c; a connection that never sends
 * anything is left to the idle timeout. Confined to the HTTP verticle's event loop, like the
 * server's connections (one instance).
 */
final class ConnectionCap implements Handler<HttpConnection> {

  private final int max;
  private final Counter refused;
  private final MeterRegistry registry;
  private int open;

  ConnectionCap(int max, MeterRegistry registry) {
    this.max = max;
    this.registry = registry;
    this.refused = Counter.builder("consolidb.http.connections.refused")
        .description("HTTP connections closed at once because the node had HTTP_MAX_CONNECTIONS open")
        .register(registry);
  }

  @Override
  public void handle(HttpConnection connection) {
    if (open >= max) {
      refused.increment();
      connection.close();
      return;
    }
    open++;
    connection.closeHandler(v -> open--);
  }

  /** Connections open now (tests). */
  int open() {
    return open;
  }

  void close() {
    registry.remove(refused);
  }
}
