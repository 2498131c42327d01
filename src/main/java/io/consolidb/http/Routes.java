package io.consolidb.http;

import io.consolidb.idempotency.Replayed;
import io.consolidb.service.CachedRead;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Map;

/**
 * What every route group shares: reads (GET and HEAD), the 405 for methods a path does not serve,
 * the JSON body guard, and the answer to a service call (its result with its caching headers, or
 * its failure through {@link Problems}).
 */
final class Routes {

  /** Routing-context key of a route's own body limit when it differs from the node's (413 text). */
  static final String BODY_LIMIT = "consolidb.bodyLimit";

  private static final String JSON = "application/json";
  /** Set on the answer of a write that was not run again: its idempotency key had answered before. */
  static final String IDEMPOTENCY_REPLAYED = "Idempotency-Replayed";

  private Routes() {
  }

  /** A read: GET, and HEAD with the same headers and no body (RFC 9110 9.3.2). */
  static Route read(Router router, String path) {
    return router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD);
  }

  /**
   * After a path's routes: {@code OPTIONS} is answered 204 with the methods the path allows
   * (HEAD wherever GET is), any other method gets 405 with them.
   */
  static void allow(Router router, String path, String methods) {
    String allowed = methods.replace("GET", "GET, HEAD");
    router.route(path).handler(ctx -> {
      ctx.response().putHeader(HttpHeaders.ALLOW, allowed);
      if (ctx.request().method() == HttpMethod.OPTIONS) {
        ctx.response().setStatusCode(204).end();
        return;
      }
      Problems.send(ctx, 405, ctx.request().method().name() + " is not allowed here; allowed: " + allowed);
    });
  }

  /** Refuses a body that is not JSON before reading it. */
  static void requireJsonBody(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!media.equals(JSON) && !(media.startsWith("application/") && media.endsWith("+json"))) {
      ctx.response().putHeader(HttpHeaders.ACCEPT, JSON);
      Problems.send(ctx, 415, "the body must be sent as application/json");
      return;
    }
    ctx.next();
  }

  /**
   * Answers a service result; a read's cache mark becomes the {@code X-Cache} header, and a stale
   * one's age the {@code Age} header.
   *
   * @param names the service's parameter names as this route calls them, for a failure
   *     (see {@link Problems#fromFailure})
   */
  static void respond(RoutingContext ctx, Future<JsonObject> result, int status, Map<String, String> names) {
    Bulkhead.hold(ctx, result).onSuccess(body -> answer(ctx, status, body))
        .onFailure(failure -> Problems.send(ctx, failure, names));
  }

  /** Answers a read's result that is already at hand, as {@link #respond} answers a 200. */
  static void cached(RoutingContext ctx, JsonObject body) {
    answer(ctx, 200, body);
  }

  private static void answer(RoutingContext ctx, int status, JsonObject body) {
    CachedRead.Outcome outcome = CachedRead.outcome(body);
    if (outcome != null) {
      ctx.response().putHeader("X-Cache", outcome.name());
      if (outcome == CachedRead.Outcome.STALE) {
        // the database is unreachable: how long ago this was read from it (RFC 9111 5.1)
        ctx.response().putHeader(HttpHeaders.AGE, Long.toString(CachedRead.ageSeconds(body)));
      }
    }
    json(ctx, status, body);
  }

  /** Answers {@code body} as JSON; a missing body is a bug, answered as a 500 problem. */
  static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    if (body == null) {
      Problems.send(ctx, Problems.fromFailure(new IllegalStateException("a service answered no body"), Map.of()));
      return;
    }
    ReadCaching caching = ctx.get(ReadCaching.KEY);
    ReadCaching.Encoded encoded = caching != null ? caching.encode(body, CachedRead.outcome(body) == CachedRead.Outcome.HIT)
        : new ReadCaching.Encoded(body.toBuffer(), null);
    Buffer bytes = encoded.bytes();
    markReplay(ctx, body);
    if (caching != null && ReadCaching.applies(ctx, status) && caching.notModified(ctx, encoded)) {
      return;
    }
    HttpServerResponse response = ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON);
    if (ctx.request().method() == HttpMethod.HEAD) {
      // Vert.x leaves the length out of a HEAD answer: give the one GET would have
      response.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(bytes.length()));
    }
    response.end(bytes);
  }

  /** Answers 204 for a write whose answer ({@code result}) has no body to show. */
  static void noContent(RoutingContext ctx, JsonObject result) {
    markReplay(ctx, result);
    noContent(ctx);
  }

  /** A write's stored answer returned again under its idempotency key says so. */
  private static void markReplay(RoutingContext ctx, JsonObject result) {
    if (Replayed.is(result) && !ctx.response().headWritten()) {
      ctx.response().putHeader(IDEMPOTENCY_REPLAYED, "true");
    }
  }

  /** Answers 204 without a body, unless the response is already gone. */
  static void noContent(RoutingContext ctx) {
    if (!ctx.response().ended() && !ctx.response().closed()) {
      ctx.response().setStatusCode(204).end();
    }
  }
}
