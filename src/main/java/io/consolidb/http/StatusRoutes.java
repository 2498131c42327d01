package io.consolidb.http;

import io.consolidb.config.Scope;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The operator status page (docs/HEALTH.md "Status page"):
 *
 * <ul>
 *   <li>{@code GET /status}, {@code /status/app.js}, {@code /status/app.css}: the page, its script
 *       and its style, without a token (they hold no data), under a Content-Security-Policy that
 *       lets the page load nothing but these files and call nothing but this node;
 *   <li>{@code GET /status/data}: what the page shows ({@link StatusData}), with the
 *       {@link Scope#METRICS} scope like {@code /metrics/summary}; the slowest statements only for
 *       a token that also holds {@link Scope#ADMIN}.
 * </ul>
 *
 * The three files are read from the classpath once, at start, and served from memory: a fixed
 * set, so nothing a request names is ever resolved to a file.
 */
final class StatusRoutes {

  static final String PAGE = "/status";
  static final String SCRIPT = "/status/app.js";
  static final String STYLE = "/status/app.css";
  static final String DATA = "/status/data";

  /** The page loads only its own script and style and calls only this node; it may not be framed. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private record Asset(String type, Buffer bytes) {
  }

  private final Map<String, Asset> assets;
  private final StatusData data;

  private StatusRoutes(Map<String, Asset> assets, StatusData data) {
    this.assets = assets;
    this.data = data;
  }

  /** Reads the page's files off the event loop; fails when one is missing from the build. */
  static Future<StatusRoutes> load(Vertx vertx, StatusData data) {
    return vertx.executeBlocking(() -> new StatusRoutes(Map.of(
        PAGE, new Asset("text/html; charset=utf-8", resource("status/index.html")),
        SCRIPT, new Asset("text/javascript; charset=utf-8", resource("status/app.js")),
        STYLE, new Asset("text/css; charset=utf-8", resource("status/app.css"))), data));
  }

  /** Adds the routes; the data passes {@code auth} and the admin bulkhead, as the metrics summary does. */
  void mount(Router router, Authenticator auth, Bulkhead admin) {
    for (String path : assets.keySet()) {
      Routes.read(router, path).handler(this::asset);
      Routes.allow(router, path, "GET");
    }
    Routes.read(router, DATA).handler(auth.require(Scope.METRICS)).handler(admin).handler(this::data);
    Routes.allow(router, DATA, "GET");
  }

  private void asset(RoutingContext ctx) {
    Asset asset = assets.get(ctx.currentRoute().getPath());
    HttpServerResponse response = ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, asset.type())
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        // the files change only with the node's version; no-store (the default) keeps it simple
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    if (ctx.request().method() == HttpMethod.HEAD) {
      // Vert.x leaves the length out of a HEAD answer: give the one GET would have
      response.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(asset.bytes().length()));
    }
    response.end(asset.bytes());
  }

  private void data(RoutingContext ctx) {
    Bulkhead.hold(ctx, data.read(Authenticator.holds(ctx, Scope.ADMIN)))
        .onSuccess(body -> {
          if (!ctx.response().ended() && !ctx.response().closed()) {
            HttpServerResponse response = ctx.response().setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
            Buffer bytes = body.toBuffer();
            if (ctx.request().method() == HttpMethod.HEAD) {
              response.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(bytes.length()));
            }
            response.end(bytes);
          }
        })
        .onFailure(failure -> Problems.send(ctx, failure, Map.of()));
  }

  private static Buffer resource(String name) {
    try (InputStream in = StatusRoutes.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the status page's " + name + " is missing from the build");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
