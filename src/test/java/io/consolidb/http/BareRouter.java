package io.consolidb.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A router with no services behind it, served on a free local port, and a client for it: for the
 * tests of what the routes share (guards, request readers, answers) without a node.
 */
final class BareRouter implements AutoCloseable {

  private final Vertx vertx;
  private final HttpServer server;
  private final WebClient client;

  private BareRouter(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
    this.client = WebClient.create(vertx);
  }

  /** Serves the router {@code routes} sets up. */
  static BareRouter serving(Consumer<Router> routes) throws Exception {
    return serving((vertx, router) -> routes.accept(router));
  }

  /** Serves the router {@code routes} sets up, with the Vert.x it runs on (its event bus, for stand-ins). */
  static BareRouter serving(BiConsumer<Vertx, Router> routes) throws Exception {
    Vertx vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    routes.accept(vertx, router);
    return new BareRouter(vertx, vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .await(10, TimeUnit.SECONDS));
  }

  /** The Vert.x the router runs on (its event bus, for stand-ins registered later). */
  Vertx vertx() {
    return vertx;
  }

  HttpRequest<Buffer> request(HttpMethod method, String uri) {
    return client.request(method, server.actualPort(), "127.0.0.1", uri);
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
